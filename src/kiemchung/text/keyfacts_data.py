"""Word tables for key facts: places, official bodies, units, currencies, negation, modality.

Each table maps a canonical value to the forms people write. A form is written with its
diacritics; a leading mark changes how it is accepted:

- ``=`` the form must appear with exactly this case ("HN", "WHO", lowercase "k");
- ``^`` every syllable must be capitalised (the name is also a common phrase: "hòa bình");
- ``!`` a one-syllable name: capitalised, not a person's name, not sentence-initial for "Anh";
- ``~`` the form must be written with its diacritics (unaccented it is another word);
- ``?`` written without diacritics it counts only before a word of ``FOLLOW``;
- ``+`` it counts only before a word of ``FOLLOW``.
"""

from __future__ import annotations

__all__ = [
    "CURRENCIES",
    "DATE_WORDS",
    "EXCLUDED",
    "FOLLOW",
    "MODALITY",
    "MODALITY_CONFLICTS",
    "NEGATIONS",
    "NEXT_BLOCK",
    "NUMBER_WORDS",
    "ORGANISATIONS",
    "PERSON_TITLES",
    "PLACES",
    "SCALES",
    "UNITS",
]

# Provinces and centrally-run cities before the 2025 merger (63); the 34 after it keep names
# from this list. Then the countries and territories that Vietnamese news names most.
PLACES: dict[str, tuple[str, ...]] = {
    "ha noi": ("Hà Nội", "=HN", "Hanoi", "Thủ đô Hà Nội"),
    "ho chi minh": (
        "TP.HCM", "TP HCM", "HCM", "TP. Hồ Chí Minh", "Thành phố Hồ Chí Minh",
        "Thành phố HCM", "Sài Gòn", "Saigon",
    ),
    "hai phong": ("Hải Phòng",), "da nang": ("Đà Nẵng",), "can tho": ("Cần Thơ",),
    "hue": ("!Huế", "Thừa Thiên Huế", "Thừa Thiên - Huế", "TT-Huế"),
    "an giang": ("An Giang",),
    "ba ria vung tau": ("Bà Rịa - Vũng Tàu", "Bà Rịa Vũng Tàu", "BR-VT", "Vũng Tàu"),
    "bac giang": ("Bắc Giang",), "bac kan": ("Bắc Kạn", "Bắc Cạn"), "bac lieu": ("Bạc Liêu",),
    "bac ninh": ("Bắc Ninh",), "ben tre": ("Bến Tre",), "binh dinh": ("Bình Định",),
    "binh duong": ("Bình Dương",), "binh phuoc": ("Bình Phước",),
    "binh thuan": ("Bình Thuận",), "ca mau": ("Cà Mau",), "cao bang": ("Cao Bằng",),
    "dak lak": ("Đắk Lắk", "Đắc Lắc", "Đăk Lăk", "Daklak"), "dak nong": ("Đắk Nông", "Đăk Nông"),
    "dien bien": ("^Điện Biên",), "dong nai": ("Đồng Nai",), "dong thap": ("Đồng Tháp",),
    "gia lai": ("Gia Lai",), "ha giang": ("Hà Giang",), "ha nam": ("^Hà Nam",),
    "ha tinh": ("Hà Tĩnh",), "hai duong": ("Hải Dương",), "hau giang": ("Hậu Giang",),
    "hoa binh": ("^Hòa Bình",), "hung yen": ("Hưng Yên",), "khanh hoa": ("Khánh Hòa",),
    "kien giang": ("Kiên Giang",), "kon tum": ("Kon Tum",), "lai chau": ("Lai Châu",),
    "lam dong": ("Lâm Đồng",), "lang son": ("Lạng Sơn",), "lao cai": ("Lào Cai",),
    "long an": ("^Long An",), "nam dinh": ("Nam Định",), "nghe an": ("Nghệ An",),
    "ninh binh": ("Ninh Bình",), "ninh thuan": ("Ninh Thuận",), "phu tho": ("Phú Thọ",),
    "phu yen": ("Phú Yên",), "quang binh": ("Quảng Bình",), "quang nam": ("Quảng Nam",),
    "quang ngai": ("Quảng Ngãi",), "quang ninh": ("Quảng Ninh",), "quang tri": ("Quảng Trị",),
    "soc trang": ("Sóc Trăng",), "son la": ("^Sơn La",), "tay ninh": ("Tây Ninh",),
    "thai binh": ("Thái Bình",), "thai nguyen": ("Thái Nguyên",), "thanh hoa": ("Thanh Hóa",),
    "tien giang": ("Tiền Giang",), "tra vinh": ("Trà Vinh",), "tuyen quang": ("Tuyên Quang",),
    "vinh long": ("Vĩnh Long",), "vinh phuc": ("Vĩnh Phúc",), "yen bai": ("Yên Bái",),
    "hoa ky": ("Hoa Kỳ", "!Mỹ", "Mĩ", "nước Mỹ", "USA"),
    "trung quoc": ("Trung Quốc", "=TQ"), "nhat ban": ("Nhật Bản", "!Nhật"),
    "han quoc": ("Hàn Quốc",), "trieu tien": ("Triều Tiên",),
    "nga": ("!Nga", "Liên bang Nga"), "ukraine": ("Ukraine", "Ukraina", "U-crai-na"),
    "phap": ("!Pháp",), "duc": ("!Đức",), "anh": ("!Anh", "Vương quốc Anh", "Anh Quốc"),
    "thai lan": ("Thái Lan",), "lao": ("!Lào",),
    "campuchia": ("Campuchia", "Cam-pu-chia", "Cambodia"), "singapore": ("Singapore",),
    "an do": ("Ấn Độ",), "uc": ("!Úc", "Australia"), "indonesia": ("Indonesia",),
    "malaysia": ("Malaysia",), "philippines": ("Philippines", "Philippin"),
    "myanmar": ("Myanmar",), "dai loan": ("Đài Loan",), "hong kong": ("Hồng Kông", "Hong Kong"),
    "canada": ("Canada",), "brazil": ("Brazil",), "iran": ("Iran",), "israel": ("Israel",),
    "italy": ("Italy", "Italia"), "tay ban nha": ("Tây Ban Nha",),
    "bo dao nha": ("Bồ Đào Nha",), "tho nhi ky": ("Thổ Nhĩ Kỳ",), "mexico": ("Mexico",),
    "argentina": ("Argentina",), "qatar": ("Qatar",), "ha lan": ("Hà Lan",),
    "thuy dien": ("Thụy Điển",), "thuy si": ("Thụy Sĩ",), "ba lan": ("^Ba Lan",),
    "hy lap": ("Hy Lạp",), "dan mach": ("Đan Mạch",), "na uy": ("Na Uy",),
    "phan lan": ("Phần Lan",), "ai cap": ("^Ai Cập",),
    "a rap xe ut": ("Ả Rập Xê Út", "Saudi Arabia"),
    "new zealand": ("New Zealand",), "pakistan": ("Pakistan",), "mong co": ("Mông Cổ",),
}

ORGANISATIONS: dict[str, tuple[str, ...]] = {
    "bo y te": ("Bộ Y tế", "BYT"), "so y te": ("Sở Y tế",),
    "bo cong an": ("Bộ Công an", "BCA"), "cong an": ("Công an", "cơ quan công an"),
    "bo giao duc va dao tao": (
        "Bộ Giáo dục và Đào tạo", "Bộ Giáo dục - Đào tạo", "Bộ Giáo dục", "Bộ GD-ĐT",
        "Bộ GD&ĐT",
    ),
    "so giao duc va dao tao": (
        "Sở Giáo dục và Đào tạo", "Sở Giáo dục - Đào tạo", "Sở Giáo dục", "Sở GD-ĐT", "Sở GD&ĐT",
    ),
    "bo tai chinh": ("Bộ Tài chính",), "bo quoc phong": ("Bộ Quốc phòng",),
    "bo ngoai giao": ("Bộ Ngoại giao",), "bo cong thuong": ("Bộ Công Thương",),
    "bo giao thong van tai": ("Bộ Giao thông vận tải", "Bộ Giao thông - Vận tải", "Bộ GTVT"),
    "bo xay dung": ("Bộ Xây dựng",), "bo noi vu": ("Bộ Nội vụ",), "bo tu phap": ("Bộ Tư pháp",),
    "bo lao dong thuong binh va xa hoi": (
        "Bộ Lao động - Thương binh và Xã hội", "Bộ LĐ-TB&XH", "Bộ LĐTBXH",
    ),
    "bo thong tin va truyen thong": ("Bộ Thông tin và Truyền thông", "Bộ TT&TT", "Bộ TTTT"),
    "bo tai nguyen va moi truong": ("Bộ Tài nguyên và Môi trường", "Bộ TN&MT"),
    "bo nong nghiep": ("Bộ Nông nghiệp và Phát triển nông thôn", "Bộ NN&PTNT", "Bộ Nông nghiệp"),
    "bo khoa hoc va cong nghe": ("Bộ Khoa học và Công nghệ", "Bộ KH&CN"),
    "bo van hoa the thao va du lich": ("Bộ Văn hóa, Thể thao và Du lịch", "Bộ VH-TT&DL"),
    "bo ke hoach va dau tu": ("Bộ Kế hoạch và Đầu tư", "Bộ KH&ĐT"),
    "chinh phu": ("Chính phủ",), "van phong chinh phu": ("Văn phòng Chính phủ",),
    "quoc hoi": ("Quốc hội",), "thu tuong": ("Thủ tướng", "Thủ tướng Chính phủ"),
    "chu tich nuoc": ("Chủ tịch nước",), "tong bi thu": ("Tổng Bí thư",),
    "bo chinh tri": ("Bộ Chính trị",), "ubnd": ("UBND", "Ủy ban nhân dân"),
    "hdnd": ("HĐND", "Hội đồng nhân dân"), "csgt": ("CSGT", "Cảnh sát giao thông"),
    "who": ("=WHO", "Tổ chức Y tế Thế giới"), "bhxh": ("BHXH", "Bảo hiểm xã hội"),
    "ngan hang nha nuoc": ("Ngân hàng Nhà nước", "NHNN"),
    "evn": ("EVN", "Tập đoàn Điện lực Việt Nam"),
    "toa an": ("Tòa án", "TAND", "Tòa án nhân dân"),
    "vien kiem sat": ("Viện kiểm sát", "VKSND", "Viện kiểm sát nhân dân"),
    "mat tran to quoc": ("Mặt trận Tổ quốc", "MTTQ"),
    "lien hop quoc": ("Liên Hợp Quốc", "LHQ", "=UN"),
    "kiem toan nha nuoc": ("Kiểm toán Nhà nước",),
}

# Words before a one-syllable name that make it a person's name ("anh Đức") or another word
# ("Chủ nhật"), and words after it that make it a common noun ("Mỹ phẩm", "Pháp luật").
PERSON_TITLES = frozenset({
    "ong", "ba", "anh", "chi", "em", "co", "chu", "bac", "chau", "thay", "cau", "be", "di",
    "duong", "nang",
})
NEXT_BLOCK = frozenset({
    "pham", "thuat", "nhan", "luat", "ly", "ky", "thuc", "trinh", "tin", "tho", "dinh", "quan",
})

# Units of a counted or measured quantity; the value keeps the canonical (folded) unit.
UNITS: dict[str, tuple[str, ...]] = {
    "km": ("km", "ki-lô-mét", "kilômét", "kilomet", "cây số"),
    "km2": ("km2", "ki-lô-mét vuông", "km vuông"), "km/h": ("km/h", "km/giờ"),
    "m": ("m", "mét"), "m2": ("m2", "mét vuông", "m vuông"), "m3": ("m3", "mét khối"),
    "cm": ("cm", "xen-ti-mét", "centimet"), "mm": ("mm", "mi-li-mét"),
    "kg": ("kg", "ki-lô-gam", "kilogam", "~ký", "~cân"), "g": ("gam", "gram"),
    "tan": ("tấn",), "mg": ("mg",), "ha": ("ha", "héc-ta", "hecta", "hécta"),
    "l": ("lít",), "ml": ("ml",), "mw": ("MW",), "kwh": ("kWh", "số điện"), "do": ("độ", "độ C"),
    "tuoi": ("tuổi",), "nam": ("năm",), "thang": ("tháng",), "tuan": ("tuần",),
    "ngay": ("ngày",), "gio": ("giờ", "tiếng"), "phut": ("phút",), "giay": ("giây",),
    "nguoi": ("người", "dân", "người dân"), "ca": ("ca", "ca mắc", "ca nhiễm", "ca bệnh"),
    "truong hop": ("trường hợp",), "benh nhan": ("bệnh nhân",), "hoc sinh": ("học sinh",),
    "sinh vien": ("sinh viên",), "giao vien": ("giáo viên",), "tre": ("trẻ", "trẻ em"),
    "nhan vien": ("nhân viên",), "doanh nghiep": ("doanh nghiệp",), "ho": ("hộ", "hộ dân"),
    "xe": ("xe",), "chiec": ("chiếc",), "can": ("căn", "căn hộ"), "lan": ("lần",),
    "tinh": ("tỉnh", "tỉnh thành"), "quoc gia": ("quốc gia", "nước"), "lieu": ("liều",),
    "luot": ("lượt",), "diem": ("điểm",), "tang": ("tầng",), "con": ("con",), "vu": ("vụ",),
    "may bay": ("máy bay",), "du an": ("dự án",), "truong": ("trường",),
}

CURRENCIES: dict[str, tuple[str, ...]] = {
    "vnd": ("đồng", "đ", "vnđ", "vnd", "₫"),
    "usd": ("USD", "đô", "đô la", "đô-la", "dollar", "$"),
    "eur": ("euro", "eur", "€"), "jpy": ("yên", "yen"), "cny": ("nhân dân tệ", "NDT", "tệ"),
    "krw": ("won",), "gbp": ("bảng Anh", "£"), "thb": ("baht", "bạt"),
}

# Scale words after a number, by multiplier.
SCALES: dict[str, tuple[str, ...]] = {
    "1000": ("nghìn", "ngàn", "k"), "1000000": ("triệu", "tr"), "1000000000": ("tỷ", "tỉ"),
    "1000000000000": ("nghìn tỷ", "ngàn tỷ", "nghìn tỉ", "ngàn tỉ"),
}

# Number words read before a scale word or "phần trăm" ("hai triệu", "ba mươi phần trăm").
NUMBER_WORDS: dict[str, int] = {
    "một": 1, "mốt": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4, "năm": 5, "lăm": 5, "nhăm": 5,
    "sáu": 6, "bảy": 7, "bẩy": 7, "tám": 8, "chín": 9, "mười": 10, "mươi": 10, "trăm": 100,
    "linh": 0, "lẻ": 0,
}

NEGATIONS: tuple[str, ...] = (
    "không", "không hề", "không bao giờ", "không phải", "ko", "=k", "kp", "kbh", "hok", "khum",
    "~+hông", "?chưa", "chưa từng", "chưa hề", "chưa bao giờ", "?chẳng", "chẳng hề",
    "~+chả", "~đâu có",
)

MODALITY: dict[str, tuple[str, ...]] = {
    "future": ("sẽ", "?sắp"),
    "past": ("?đã", "?vừa", "đã từng"),
    "ongoing": ("?đang",),
    "forbid": (
        "?cấm", "nghiêm cấm", "không được", "không đc", "ko được", "ko dc", "ko đc", "k dc",
        "k được", "k đc", "không được phép", "ko dc phép", "ko được phép", "không cho phép",
        "chưa cho phép", "chưa được phép", "ko dc phep", "k dc phep", "ko cho phep",
    ),
    "allow": ("cho phép", "được phép", "dc phép", "đc phép", "dc phep", "được quyền"),
    "oblige": ("bắt buộc", "buộc phải", "phải"),
    "proposal": ("đề xuất", "dự kiến", "dự thảo", "đề nghị", "kiến nghị", "dự định"),
}

# Modality tags that contradict each other (when neither text states both).
MODALITY_CONFLICTS: tuple[tuple[frozenset[str], frozenset[str]], ...] = (
    (frozenset({"forbid"}), frozenset({"allow"})),
    (frozenset({"allow"}), frozenset({"forbid"})),
    (frozenset({"future", "proposal"}), frozenset({"past"})),
    (frozenset({"past"}), frozenset({"future", "proposal"})),
)

# The accented spelling of each word a date may contain ("thắng 3" is a score, not March).
DATE_WORDS: dict[str, tuple[str, ...]] = {
    "ngay": ("ngày",), "mung": ("mùng",), "mong": ("mồng",), "hom": ("hôm",), "nay": ("nay",),
    "sang": ("sáng",), "chieu": ("chiều",), "toi": ("tối", "tới"), "dem": ("đêm",),
    "trua": ("trưa",), "tu": ("từ",), "den": ("đến",), "truoc": ("trước",), "sau": ("sau",),
    "thang": ("tháng",), "nam": ("năm",), "h": ("h",), "gio": ("giờ",),
}

# Folded words after which an ambiguous unaccented "chua", "da", "cam"... reads as the
# function word ("chua co" = "chưa có", "cam xe" = "cấm xe").
FOLLOW = frozenset({
    "co", "he", "tung", "biet", "duoc", "dc", "phai", "the", "ai", "bao", "kip", "can", "nen",
    "chiu", "lam", "xay", "xac", "ro", "thay", "bi", "chinh", "ban", "thong", "ky", "phat",
    "cong", "quyet", "tien", "thuc", "den", "ve", "tro", "nhan", "tang", "giam", "dua", "yeu",
    "trien", "dung", "het", "xe", "cac", "moi", "nguoi", "nhap", "su", "luu", "hut", "tre",
    "hoc", "tuyet", "hoan", "di",
})

# Folded phrases whose "không", "chưa", "phải", "sẽ"... are not a negation or a modality.
EXCLUDED: dict[str, tuple[str, ...]] = {
    "negation": (
        "hang khong", "khong khi", "khong gian", "khong quan", "khong phan", "khong luu",
        "khong trung", "khong kich", "khong tac", "phong khong", "khong day", "khong anh",
        "khong chi", "khong nhung", "khong it", "khong ngung", "khong khoi", "khong may",
        "khong lau", "khong rieng", "khong ke", "khong ai khac", "hay khong", "hay chua",
        "hay ko", "hay k", "chua ke", "chang han", "chang le", "so khong", "khong so",
        "khong the thieu", "khong?", "ko?", "k?", "chua?",
    ),
    "place": (
        "thai binh duong", "an do duong", "tieng anh", "tieng phap", "tieng duc", "tieng nga",
        "tieng nhat", "tieng han", "tieng trung", "tieng lao", "tieng thai",
    ),
    "modality": (
        "chia se", "sap xep", "co phai", "khong phai", "ko phai", "k phai", "chang phai",
        "phai khong", "phai chang", "ben phai", "tay phai", "le phai", "dung phai", "chu phai",
        "phai long", "vua phai", "vua va nho", "da dang", "da so", "toi da", "da phan",
    ),
}
