"""Local fakes of the services kiemchung talks to: real HTTP (and SMTP) servers on 127.0.0.1
that check what the real API requires and answer with its real error shapes."""
