import json

from kiemchung.cli import main
from kiemchung.images import synth

from .conftest import SENTENCES


def _last_json(capsys):
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_bench_images_reports_recall_false_matches_and_search_time(tmp_path, capsys):
    corpus, queries = tmp_path / "corpus", tmp_path / "queries"
    synth.write_duplicate_set(corpus, queries, SENTENCES, count=3, unrelated=3, seed=4)
    code = main(["bench", "images", "--corpus", str(corpus), "--queries", str(queries),
                 "--search-size", "2000"])
    assert code == 0
    report = _last_json(capsys)
    assert report["queries"] == 3 * len(synth.VARIANTS)
    assert report["unrelated"] == 3
    assert report["recall_at_1"] == 1.0
    assert report["false_matches"] == 0.0
    assert report["search_ms"] > 0


def test_bench_ocr_reads_a_folder_of_images_beside_their_text(tmp_path, capsys, engine):
    image = synth.screenshot(SENTENCES[:2], face=synth.faces()[0], size=32, dark=False)
    image.save(tmp_path / "one.png")
    (tmp_path / "one.txt").write_text("\n".join(SENTENCES[:2]), encoding="utf-8")
    (tmp_path / "blank.txt").write_text("no image beside this one", encoding="utf-8")
    assert main(["bench", "ocr", "--images", str(tmp_path), "--workers", "1"]) == 0
    report = _last_json(capsys)
    assert report["images"] == 1
    assert report["cer"] <= 0.05
    assert report["images_per_second"] > 0


def test_bench_ocr_says_when_there_is_nothing_to_read(tmp_path, capsys):
    assert main(["bench", "ocr", "--images", str(tmp_path)]) == 2
    assert "no NAME.png" in capsys.readouterr().err
