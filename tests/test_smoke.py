def test_team_fixture_builds_a_workspace_with_every_role(team):
    from kiemchung.accounts.models import Member
    from kiemchung.claims.models import Rating

    roles = sorted(Member.objects.filter(workspace=team.workspace).values_list("role", flat=True))
    assert roles == ["admin", "checker", "checker", "editor", "viewer"]
    labels = list(Rating.objects.filter(workspace=team.workspace).values_list("label", flat=True))
    assert labels == ["Đúng", "Gần đúng", "Gây hiểu lầm", "Sai", "Chưa đủ căn cứ"]
