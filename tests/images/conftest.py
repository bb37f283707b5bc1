import pytest

from kiemchung.images.ocr import default_engine

# Sentences written for these tests (the bench reads its own from ../shared/data).
SENTENCES = [
    "Bộ Y tế khuyến cáo người dân không tự ý dùng thuốc kháng sinh khi bị cảm cúm.",
    "Từ ngày 1/7, xe máy không chính chủ sẽ bị phạt đến 4 triệu đồng.",
    "Uống nước chanh ấm mỗi sáng không chữa được bệnh ung thư như lời đồn trên mạng.",
    "Thành phố Hà Nội chưa ban hành quy định cấm xe máy vào nội đô năm nay.",
    "Giá xăng RON 95 tăng thêm 500 đồng mỗi lít từ chiều thứ Năm.",
    "Học sinh tiểu học được nghỉ Tết Nguyên đán mười bốn ngày theo kế hoạch của Sở.",
]


@pytest.fixture
def engine():
    found = default_engine()
    if found is None:
        pytest.skip("tesseract with Vietnamese is not installed (make test installs it)")
    return found
