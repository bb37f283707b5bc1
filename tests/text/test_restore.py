from kiemchung.text import Restorer, restore_diacritics
from kiemchung.text.normalize import fold

TEXTS = [
    "Bộ Y tế khẳng định vắc xin an toàn cho trẻ em.",
    "Người dân không nên tin vào tin đồn về vắc xin trên mạng.",
    "Cơ quan chức năng đã bác bỏ thông tin sai sự thật về vắc xin.",
    "Trẻ em được tiêm vắc xin miễn phí tại trạm y tế phường.",
]


def test_restorer_learns_from_accented_texts():
    restorer = Restorer()
    assert restorer.learn(TEXTS) == 4
    out = restorer.restore("Bo Y te khang dinh vac xin an toan cho tre em.")
    assert out == "Bộ Y tế khẳng định vắc xin an toàn cho trẻ em."


def test_unaccented_texts_are_not_learned():
    restorer = Restorer()
    assert restorer.learn(["Nguoi dan khong nen tin tin don"]) == 0


def test_restoration_keeps_accented_words_case_and_punctuation():
    restorer = Restorer()
    restorer.learn(TEXTS)
    out = restorer.restore("NGUOI DAN không nen tin, tin don!")
    assert out == "NGƯỜI DÂN không nên tin, tin đồn!"
    assert fold(out) == fold("NGUOI DAN không nen tin, tin don!")


def test_builtin_model_restores_common_phrases():
    out = restore_diacritics("nguoi dan can tinh tao, khong nen chia se tin gia")
    assert out == "người dân cần tỉnh táo, không nên chia sẻ tin giả"


def test_unknown_words_are_left_alone():
    assert restore_diacritics("Gyeongsang xyzq 2024") == "Gyeongsang xyzq 2024"
    assert restore_diacritics("") == ""


def test_saved_model_restores_the_same(tmp_path):
    restorer = Restorer()
    restorer.learn(TEXTS)
    restorer.save(tmp_path / "r.json.gz")
    loaded = Restorer.load(tmp_path / "r.json.gz")
    text = "Tre em duoc tiem vac xin mien phi"
    assert loaded.restore(text) == restorer.restore(text) == "Trẻ em được tiêm vắc xin miễn phí"
