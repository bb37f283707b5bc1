import random
import time

import pytest

from kiemchung.text import KINDS, Conflict, KeyFact, conflicts, key_facts, shared


def values(text, kind):
    return [f.value for f in key_facts(text).of(kind)]


def kinds(a, b):
    return [c.kind for c in conflicts(key_facts(a), key_facts(b))]


@pytest.mark.parametrize(
    "written",
    [
        "phạt 2 triệu",
        "phạt 2 triệu đồng",
        "phạt 2.000.000 đồng",
        "phat 2,000,000đ nha",
        "bị phạt 2tr",
        "bị phạt 2 tr",
        "bị phạt hai triệu",
        "bi phat hai trieu dong",
    ],
)
def test_every_spelling_of_two_million_dong_is_one_amount(written):
    assert values(written, "money") == ["2000000 vnd"]


def test_scale_words_decimal_marks_and_currencies_are_read():
    assert values("1,5 tỷ", "money") == values("1.5 ty", "money") == ["1500000000 vnd"]
    assert values("500 nghìn, 500 ngàn, 500k", "money") == ["500000 vnd"] * 3
    assert values("đầu tư 122 tỷ euro (130 tỷ USD)", "money") == [
        "122000000000 eur",
        "130000000000 usd",
    ]
    assert values("20.000tỷ đồng", "money") == ["20000000000000 vnd"]
    assert values("880 nghìn tỷ đồng", "money") == values("880.000 tỷ đồng", "money")
    assert values("1 tỷ 200 triệu", "money") == ["1200000000 vnd"]


def test_a_tip_that_changes_the_fine_conflicts_with_the_fact_check():
    checked = key_facts(
        "Không có quy định phạt 2 triệu đồng với xe đạp điện không đội mũ bảo hiểm"
    )
    tip = key_facts("tu thang 1/2027 nuoi cho khong ro mom bi phat 3 trieu dong")
    found = {c.kind: c for c in conflicts(checked, tip)}
    assert found["money"] == Conflict("money", "2 triệu đồng", "3 trieu dong")


def test_amounts_within_one_percent_are_the_same():
    assert "money" not in kinds("khoảng 1,5 tỷ đồng", "1.505.000.000 đồng")
    assert "money" in kinds("khoảng 1,5 tỷ đồng", "1,6 tỷ đồng")


def test_percent_in_figures_and_in_words():
    for written in ("30%", "30 %", "30 phần trăm", "ba mươi phần trăm", "ba muoi phan tram"):
        assert values(written, "percent") == ["30"], written
    assert "percent" in kinds("giảm 30%", "giảm 40 phần trăm")


def test_quantities_conflict_only_within_one_unit():
    assert values("xe máy đã dùng quá 10 năm", "quantity") == ["10 nam"]
    assert values("45 triệu mét vuông và 1 triệu ha lúa", "quantity") == [
        "45000000 m2",
        "1000000 ha",
    ]
    assert "quantity" in kinds("cách nhau 150 km", "cách nhau 1500 km")
    assert "quantity" not in kinds("cách nhau 150 km", "mất 3 giờ")


def test_another_year_is_a_conflict_accented_or_not():
    found = conflicts(
        key_facts("Hà Nội cấm xe máy từ năm 2030"),
        key_facts("Từ ngày 1/1/2027, xe máy đã dùng quá 10 năm sẽ bị cấm lưu thông"),
    )
    assert found == [Conflict("year", "năm 2030", "2027")]
    found = conflicts(key_facts("ha noi cam xe may tu nam 2030"), key_facts("tu nam 2027"))
    assert Conflict("year", "nam 2030", "nam 2027") in found


def test_a_subset_of_years_is_no_conflict():
    assert "year" not in kinds("giai đoạn 2021 - 2030", "đến năm 2030")
    assert values("giai đoạn 2021 - 2030", "year") == ["2021", "2030"]


def test_dates_conflict_when_a_known_part_differs():
    assert values("Ngày 29.3, Airbus bàn giao", "date") == ["29-3-?"]
    assert values("Ngày 30/2 máy bay", "date") == ["30-2-?"]
    assert "date" in kinds("Ngày 29.3, Airbus bàn giao", "Ngày 30/2 máy bay được bàn giao")
    assert "date" not in kinds("ngày 14/3 tuyên bố", "ngày 14/3/2023 tuyên bố")


def test_date_spellings_are_normalised():
    assert values("từ ngày 1/1/2027", "date") == ["1-1-2027"]
    assert values("ngày 1 tháng 1 năm 2027", "date") == ["1-1-2027"]
    assert values("hôm 25-3-2023", "date") == ["25-3-2023"]
    assert values("từ tháng 1/2027", "date") == values("tháng 1 năm 2027", "date") == ["?-1-2027"]
    assert values("từ ngày 1/1/2027", "year") == ["2027"]


def test_ranges_scores_and_times_are_not_dates():
    assert values("lương 2-3 triệu", "date") == []
    assert values("lương 2-3 triệu", "money") == ["2000000 vnd", "3000000 vnd"]
    assert values("đội chỉ thắng 3 trận", "date") == []
    assert values("lúc 14h30", "date") == values("lúc 14h30", "number") == []


def test_bare_numbers_are_kept():
    assert values("Thông báo số 95 về đầu số 8079", "number") == ["95", "8079"]
    assert "number" in kinds("Nghị quyết số 43/2022/QH15", "Nghị quyết số 44/2022/QH15")
    assert values("phim 3D, mạng 5G, máy bay A321neo", "number") == []


def test_one_city_under_all_its_names():
    for written in ("TP.HCM", "TPHCM", "Sài Gòn", "tp ho chi minh", "Thành phố Hồ Chí Minh"):
        assert values(written, "place") == ["ho chi minh"], written
    assert values("nước Mỹ và Hoa Kỳ", "place") == ["hoa ky", "hoa ky"]


def test_different_places_conflict():
    found = conflicts(key_facts("Hà Nội cấm xe máy"), key_facts("Đà Nẵng cấm xe máy"))
    assert found == [Conflict("place", "Hà Nội", "Đà Nẵng")]
    assert "place" not in kinds("Hà Nội và Đà Nẵng", "Đà Nẵng")


def test_names_that_are_also_common_words_are_not_places():
    assert values("vì hòa bình thế giới", "place") == []
    assert values("theo diễn biến mới", "place") == []
    assert values("anh Đức nói với chị Nga", "place") == []
    assert values("Nhà thờ Đức Bà", "place") == []
    assert values("Tổng thống Nga Vladimir Putin", "place") == ["nga"]


def test_organisations_are_read():
    assert values("Bộ GD&ĐT và UBND TP.HCM", "organisation") == [
        "bo giao duc va dao tao",
        "ubnd",
    ]
    assert values("Bộ Y tế khuyến cáo", "organisation") == ["bo y te"]


def test_aviation_and_air_are_not_negations():
    assert values("hãng hàng không giá rẻ", "negation") == []
    assert values("ô nhiễm không khí", "negation") == []
    assert values("Có đúng là vậy không?", "negation") == []


def test_a_question_tag_at_the_end_of_a_sentence_negates_nothing():
    # How tipsters ask: the "không" that ends a yes/no question, with or without particles,
    # accents or question mark, is not the "không" of "Tỏi không phòng được cúm".
    for asked in (
        "Nghe nói ăn tỏi sống phòng được cúm A/H5N1, có đúng không ạ?",
        "an toi song co phong duoc cum khong",
        "Ăn tỏi có phòng được cúm ko vậy",
        "Tiêm vắc xin rồi có cần đeo khẩu trang nữa không nhỉ. Nhờ nhóm kiểm tra.",
        "Đã có thuốc chữa chưa ạ?",
    ):
        assert values(asked, "negation") == [], asked
    assert values("Tỏi không phòng được cúm.", "negation") == ["neg"]
    assert values("Xe máy không được vào nội thành, đúng không?", "negation") == ["neg"]
    assert values("Tỏi phòng được cúm? Không.", "negation") == ["neg"]  # an answer, no tag


def test_a_negation_present_on_one_side_only_conflicts():
    found = conflicts(key_facts("BTC đã hoàn tiền"), key_facts("BTC đã không hoàn tiền vé"))
    assert found == [Conflict("negation", "", "không")]
    assert conflicts(key_facts("không hoàn tiền"), key_facts("chưa hoàn tiền")) == []


def test_teencode_forbids():
    facts = key_facts("ko dc phep dau xe o day")
    assert [f.value for f in facts.of("negation")] == ["neg"]
    assert [f.value for f in facts.of("modality")] == ["forbid"]
    assert values("k biết", "negation") == ["neg"]
    assert values("Anh K. nói", "negation") == []


def test_unaccented_words_are_read_by_their_context():
    assert values("thuoc nay chua co giay phep", "negation") == ["neg"]
    assert values("thuoc chua ung thu", "negation") == []
    assert values("nước chứa chất độc", "negation") == []


def test_forbid_against_allow_and_plan_against_done():
    assert "modality" in kinds("Hà Nội cấm xe máy", "Hà Nội cho phép xe máy")
    assert "modality" in kinds("dự kiến tăng giá điện", "đã tăng giá điện")
    assert "modality" not in kinds("sẽ tăng giá điện", "đã tăng và sẽ tăng nữa")


def test_a_text_without_key_facts_is_empty():
    assert key_facts("Nhiều người quan tâm đến chuyện này").empty
    assert not key_facts("Hà Nội").empty


def test_shared_facts_keep_the_first_text_wording():
    a = key_facts("Ngày 14/3, Volkswagen đầu tư 122 tỷ euro")
    b = key_facts("ngay 14/3 dau tu 122 ty euro")
    assert [(f.kind, f.text) for f in shared(a, b)] == [
        ("date", "Ngày 14/3"),
        ("money", "122 tỷ euro"),
    ]
    assert conflicts(a, b) == []


def test_facts_are_in_reading_order_and_typed():
    facts = key_facts("Hà Nội phạt 2 triệu từ năm 2030").facts
    assert [f.kind for f in facts] == ["place", "money", "year"]
    assert all(isinstance(f, KeyFact) and f.kind in KINDS for f in facts)


def test_long_and_garbage_input_never_raises():
    long = "Hà Nội phạt 2 triệu đồng từ năm 2030, không đội mũ bảo hiểm. " * 40
    assert len(long) > 2000
    assert not key_facts(long).empty
    odd = [
        "", " ", "\x00", "a\ud800b", "😀😀", "Москва", "Vіệt Nаm", "1" * 6000, "9" * 400 + " tỷ",
        "1.1.1.1.1 triệu", "99/99/9999", "tháng 13", "①② triệu", "%%%", "$", "\u200b\u2060",
    ]
    for text in odd:
        key_facts(text)
    pieces = ["1", "0", ".", ",", "/", "-", " ", "tháng", "ngày", "năm", "triệu", "tỷ", "k", "%",
              "$", "đ", "không", "Hà Nội", "Anh", "\x00", "\ud800", "😀", "х", "İ", "\n", "?"]
    rng = random.Random(7)
    for _ in range(500):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
        conflicts(key_facts(text), key_facts(text[::-1]))


def test_extraction_is_fast():
    text = (
        "Theo Bộ Y tế, từ ngày 1/1/2027, người vi phạm tại TP.HCM sẽ bị phạt từ 2 đến 3 triệu "
        "đồng; 30% trường hợp không đội mũ bảo hiểm. Dự kiến năm 2030 có 45 triệu mét vuông "
    ) * 2
    texts = [text[:300] + f" #{i}" for i in range(200)]
    start = time.perf_counter()
    for t in texts:
        key_facts(t)
    assert (time.perf_counter() - start) / len(texts) < 0.003
