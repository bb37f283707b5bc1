from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.test import override_settings

from kiemchung.core import crypto


def test_encrypted_text_does_not_contain_the_text_and_decrypts_back():
    token = crypto.encrypt("Số điện thoại 0912 345 678")
    assert "0912" not in token and "điện" not in token
    assert crypto.decrypt(token) == "Số điện thoại 0912 345 678"


def test_rotation_keeps_old_tokens_readable_and_reencrypts_with_new_key():
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    with override_settings(ENCRYPTION_KEYS=[old]):
        token = crypto.encrypt("tin nhắn")
    with override_settings(ENCRYPTION_KEYS=[new, old]):
        assert crypto.decrypt(token) == "tin nhắn"
        rotated = crypto.reencrypt(token)
    with override_settings(ENCRYPTION_KEYS=[new]):
        assert crypto.decrypt(rotated) == "tin nhắn"
        with pytest.raises(crypto.DecryptionError) as caught:
            crypto.decrypt(token)
    assert token not in str(caught.value)


def test_empty_stays_empty():
    assert crypto.encrypt("") == "" and crypto.decrypt("") == ""
