"""Triage: already-checked matches, and a learner that learns from the team's decisions."""

from __future__ import annotations

import random

import pytest

from claim_stories import CLAIM_TEXT, verdict_published
from kiemchung.monitoring import learner, matchers, services
from kiemchung.monitoring.models import Item, ItemState, MatchStage, TriageModel

from .stories import FLOOD, post, source

pytestmark = pytest.mark.django_db


def test_item_already_checked_is_marked(team, django_capture_on_commit_callbacks):
    verdict_published(team)
    src = source(team)
    with django_capture_on_commit_callbacks(execute=True):
        services.items_ingest(source=src, posts=[
            post("uong nuoc chanh am moi sang giup chua khoi ung thu, share gap cho mn!!",
                 url="https://facebook.com/p/1"),
            post(FLOOD, url="https://facebook.com/p/2"),
        ])
        services.enqueue_match(team.workspace.pk)
    lemon = Item.objects.get(url="https://facebook.com/p/1")
    flood = Item.objects.get(url="https://facebook.com/p/2")
    assert lemon.match_stage == MatchStage.DENSE
    assert lemon.answered and not flood.answered
    best = lemon.matches[0]
    assert best["kind"] == "factcheck" and best["rating"] == "Sai" and best["url"]
    assert lemon.reasons["answered"] is True
    assert flood.matches == []


def test_lexical_look_finds_a_known_claim_before_any_embedding(team):
    from claim_stories import claim_opened

    claim_opened(team)
    matcher = matchers.lexical_matcher(team.workspace)
    found = matcher.search("Uống nước chanh ấm mỗi sáng giúp chữa khỏi ung thư thật không mn")
    assert found and found[0].claim_id and found[0].kind == "claim"
    assert found[0].score >= services.LEXICAL_STRONG
    assert matcher.search(FLOOD) == [] or matcher.search(FLOOD)[0].score < 0.35
    assert CLAIM_TEXT


PLACES = ["Hà Nội", "Nghệ An", "Cà Mau", "Huế", "Đà Nẵng", "Lào Cai", "Bến Tre", "Sơn La"]


MOVES = ["tăng", "tăng gấp đôi", "sẽ tăng mạnh", "bị điều chỉnh tăng", "tăng vọt", "lên cao"]
WHEN = ["từ ngày mai", "từ tuần sau", "ngay tháng này", "kể từ thứ hai", "trước Tết",
        "sau kỳ nghỉ"]


def _statement(rng: random.Random, subjects: list[str]) -> str:
    return (f"{rng.choice(subjects)} ở {rng.choice(PLACES)} {rng.choice(MOVES)} "
            f"{rng.randint(2, 90)}% {rng.choice(WHEN)}")


def _worth(rng: random.Random) -> str:
    """What this team checks: prices people pay."""
    return _statement(rng, ["Giá xăng", "Giá điện", "Học phí", "Phí gửi xe", "Giá vé xe buýt",
                            "Tiền nước", "Phí cầu đường", "Giá gạo"])


def _noise(rng: random.Random) -> str:
    """Statements just as checkable in form that this team leaves to others: leisure prices."""
    return _statement(rng, ["Giá vé concert", "Giá vé xem bóng đá", "Giá tour du lịch",
                            "Giá điện thoại mới", "Giá vé công viên nước", "Giá phòng khách sạn",
                            "Giá vé máy bay đi Phú Quốc", "Giá trà sữa"])


def test_learner_improves_after_decisions(team):
    """The built-in cues cannot tell this team's priorities apart; its decisions can."""
    rng = random.Random(5)
    src = source(team)
    train = [(_worth(rng), 1) for _ in range(15)] + [(_noise(rng), 0) for _ in range(15)]
    test = [(_worth(rng), 1) for _ in range(15)] + [(_noise(rng), 0) for _ in range(15)]
    services.items_ingest(source=src, posts=[post(f"{t} #{i}") for i, (t, _) in
                                              enumerate(train + test)])

    def auc() -> float:
        from sklearn.metrics import roc_auc_score

        scores = []
        for i, (text, _label) in enumerate(test, start=len(train)):
            item = Item.objects.get(text=f"{text} #{i}")
            scores.append(item.learned_score if item.learned_score is not None
                          else item.checkworthiness)
        return float(roc_auc_score([label for _t, label in test], scores))

    before = auc()
    for i, (text, label) in enumerate(train):
        item = Item.objects.get(text=f"{text} #{i}")
        services.items_decide(workspace=team.workspace, actor=team.checker, items=[item],
                              decision="promote" if label else "dismiss")
    model = learner.learner_retrain(workspace=team.workspace)
    after = auc()
    assert model is not None and model.decisions == 30
    assert TriageModel.objects.count() == 1
    assert before < 0.75 and after > 0.9, (before, after)
    # New items are scored by the learner as they come in.
    learner.forget_scorers()
    services.items_ingest(source=src, posts=[post(_worth(rng) + " mới")])
    fresh = Item.objects.filter(state=ItemState.NEW).order_by("-pk").first()
    assert fresh.learned_score is not None and "learner" in fresh.reasons["model"]


def test_retraining_again_reads_only_the_posts_decided_since(team, settings, tmp_path):
    """What a retraining read of each post is kept under var/: the next one reads the posts
    decided since, and learns the same as reading them all again."""
    settings.VAR_DIR = tmp_path
    rng = random.Random(9)
    rows = [(_worth(rng), 1) for _ in range(8)] + [(_noise(rng), 0) for _ in range(8)]
    rng.shuffle(rows)
    services.items_ingest(source=source(team), posts=[post(f"{t} #{i}")
                                                      for i, (t, _) in enumerate(rows)])

    def decide(part: list[tuple[int, tuple[str, int]]]) -> None:
        for i, (text, label) in part:
            services.items_decide(workspace=team.workspace, actor=team.checker,
                                  items=[Item.objects.get(text=f"{text} #{i}")],
                                  decision="promote" if label else "dismiss")

    numbered = list(enumerate(rows))
    decide(numbered[:12])
    first = learner.learner_retrain(workspace=team.workspace)
    assert first is not None and first.metrics["posts_read"] == 12
    assert (tmp_path / "monitoring" / f"triage-posts-{team.workspace.pk}.npz").is_file()
    decide(numbered[12:])
    second = learner.learner_retrain(workspace=team.workspace)
    assert second is not None and second.decisions == 16
    assert second.metrics["posts_read"] == 4
    texts, labels, metas = learner.decisions_of(team.workspace.pk)
    assert bytes(second.weights) == learner.learner_train(texts, labels, metas).dumps()


def test_learner_without_decisions_is_the_builtin_model(team):
    assert learner.learner_retrain(workspace=team.workspace) is None
    scorer = learner.scorer_for(team.workspace.pk)
    judged = scorer.judge(FLOOD)
    assert judged.learned is None and judged.model == "builtin" and judged.builtin > 0.5


def test_learner_survives_saving_and_loading():
    texts = ["Giá xăng tăng 5% từ mai", "Quán này ngon lắm", "Cắt điện 3 ngày ở Huế",
             "Đi cà phê không mọi người", "Phí cầu đường tăng gấp 2", "Hội chợ hoa cuối tuần"]
    trained = learner.learner_train(texts, [1, 0, 1, 0, 1, 0])
    loaded = learner.Learner.loads(trained.dumps())
    assert loaded is not None and loaded.kind == trained.kind == "linear"
    assert loaded.scores(texts) == pytest.approx(trained.scores(texts), abs=1e-5)


def test_a_promoted_post_is_a_known_wording_but_a_tiplines_words_never_are(team):
    from kiemchung.monitoring.models import SourceKind

    public, tipline = source(team), source(team, name="Đường dây tin báo", kind=SourceKind.TIPLINE)
    rumour = "Nghe nói tháng sau mỗi hộ phải đóng phí 500 nghìn để giữ sổ đỏ, share gấp"
    services.items_ingest(source=public, posts=[post(rumour, url="https://facebook.com/p/9")])
    services.items_ingest(source=tipline, posts=[post(rumour + " (gửi qua tin báo)")])

    for src, expected in ((public, True), (tipline, False)):
        item = Item.objects.get(source=src)
        services.items_decide(workspace=team.workspace, actor=team.checker, items=[item],
                              decision="promote")
        item.refresh_from_db()
        appearance = item.claim.appearances.get()
        assert appearance.text and appearance.wording is expected, src.kind
