import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from llmcat.catalog import CardCache, load_catalog
from llmcat.errors import CatalogError
from llmcat.paths import bundled_catalog, catalog_roots

MINI = Path(__file__).parent / "data" / "mini"


def age(path: Path, seconds: float = 60) -> None:
    """Make a file look older than the cache's racy window."""
    past = time.time() - seconds
    os.utime(path, (past, past))


@pytest.fixture(autouse=True)
def no_racy_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """Copied files have a fresh ctime; let the cache store them at once in these tests."""
    monkeypatch.setattr(CardCache, "RACY_SECONDS", 0.0)


def copy_mini(tmp_path: Path) -> Path:
    root = tmp_path / "cat"
    shutil.copytree(MINI, root)
    for card in root.rglob("*.toml"):
        age(card)
    return root


def test_cards_become_json_shaped_dicts_with_integer_sizes() -> None:
    catalog = load_catalog([MINI])
    beta = catalog.by_id()["beta"].data
    assert beta["released"] == "2024-02-05"  # a TOML native date
    assert [v["parameters"] for v in beta["variants"]] == [
        500_000_000,
        14_000_000_000,
        14_300_000_000,
    ]
    assert beta["variants"][2]["active_parameters"] == 2_700_000_000
    assert beta["links"]["arxiv"] == []
    assert catalog.by_id()["mmlu"].kind == "benchmarks"


def test_every_problem_in_every_file_is_reported(tmp_path: Path) -> None:
    root = copy_mini(tmp_path)
    (root / "models" / "alpha.toml").write_text('id = "alpha"\nname = 3\n')
    (root / "models" / "beta.toml").write_text("id = \n")
    with pytest.raises(CatalogError) as info:
        load_catalog([root])
    lines = [p.one_line() for p in info.value.problems]
    assert any(
        "alpha.toml:2:1: name: input should be a valid string, got an integer" in line
        for line in lines
    )
    assert any(
        "alpha.toml" in line and "organization: required key is missing" in line for line in lines
    )
    assert any("beta.toml:1:" in line and "invalid TOML" in line for line in lines)


def test_unknown_keys_get_a_did_you_mean(tmp_path: Path) -> None:
    root = copy_mini(tmp_path)
    path = root / "models" / "alpha.toml"
    path.write_text(path.read_text().replace("organization =", "orgnization ="))
    with pytest.raises(CatalogError) as info:
        load_catalog([root])
    assert "alpha.toml:3:1: unknown key 'orgnization'; did you mean 'organization'?" in str(
        info.value
    )


def test_duplicate_ids_and_aliases_across_catalogs_are_errors(tmp_path: Path) -> None:
    first, second = copy_mini(tmp_path / "a"), copy_mini(tmp_path / "b")
    shutil.rmtree(second / "benchmarks")
    (second / "models" / "beta.toml").unlink()
    (second / "models" / "gamma.toml").unlink()
    with pytest.raises(CatalogError) as info:
        load_catalog([first, second])
    text = str(info.value)
    assert "b/cat/models/alpha.toml:1:1: id: 'alpha' is already used by" in text
    assert "aliases[0]: 'alpha-lm' is already used by" in text


def test_id_must_equal_the_file_stem(tmp_path: Path) -> None:
    root = copy_mini(tmp_path)
    (root / "models" / "alpha.toml").rename(root / "models" / "other.toml")
    with pytest.raises(
        CatalogError, match=r"other.toml:1:1: id: 'alpha' must equal the file name 'other'"
    ):
        load_catalog([root])


def test_a_folder_without_models_is_not_a_catalog(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="not a catalog"):
        load_catalog([tmp_path])
    with pytest.raises(CatalogError, match="no such catalog folder"):
        load_catalog([tmp_path / "missing"])


def test_warm_load_uses_the_cache_without_parsing_or_pydantic(tmp_path: Path, monkeypatch) -> None:
    root = copy_mini(tmp_path)
    cold = load_catalog([root])
    import llmcat.catalog as catalog_module

    def boom(*args, **kwargs):
        raise AssertionError("a cached card was read again")

    monkeypatch.setattr(catalog_module, "read_card", boom)
    warm = load_catalog([root])
    assert [c.data for c in warm.cards] == [c.data for c in cold.cards]


def test_warm_load_does_not_import_pydantic(tmp_path: Path) -> None:
    import subprocess

    root = copy_mini(tmp_path)
    time.sleep(CardCache.RACY_SECONDS_DEFAULT)  # another process: wait out the racy window
    code = (
        "import sys; from pathlib import Path; from llmcat.catalog import load_catalog;"
        f"load_catalog([Path({str(root)!r})]); print('pydantic' in sys.modules)"
    )
    env = dict(os.environ)
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    second = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert first.stdout.strip() == "True"
    assert second.stdout.strip() == "False"


def test_a_changed_card_is_never_served_stale(tmp_path: Path) -> None:
    root = copy_mini(tmp_path)
    load_catalog([root])
    path = root / "models" / "alpha.toml"
    path.write_text(path.read_text().replace('name = "Alpha LM"', 'name = "Alpha LN"'))
    age(path, 30)  # a different mtime, same size: still noticed
    assert load_catalog([root]).by_id()["alpha"].name == "Alpha LN"


def test_recently_modified_files_are_not_cached(tmp_path: Path, monkeypatch) -> None:
    root = copy_mini(tmp_path)
    monkeypatch.setattr(CardCache, "RACY_SECONDS", 3600.0)
    fresh = root / "models" / "beta.toml"
    os.utime(fresh, None)  # modified just now
    load_catalog([root])
    cache = CardCache(root)
    assert not cache.entries  # every file here was changed within the hour


def test_a_corrupt_cache_is_ignored_and_rebuilt(tmp_path: Path) -> None:
    root = copy_mini(tmp_path)
    load_catalog([root])
    cache = CardCache(root)
    cache.path.write_bytes(b"\x00garbage")
    assert len(load_catalog([root]).cards) == 4
    assert CardCache(root).entries


def test_deleted_cards_leave_the_cache(tmp_path: Path) -> None:
    root = copy_mini(tmp_path)
    load_catalog([root])
    (root / "models" / "gamma.toml").unlink()
    assert "gamma" not in load_catalog([root]).by_id()
    assert "models/gamma.toml" not in CardCache(root).entries


def test_no_cache_env_disables_the_cache(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("LLMCAT_NO_CACHE", "1")
    root = copy_mini(tmp_path)
    load_catalog([root])
    assert not CardCache(root).path.exists()


def test_catalog_roots_prefer_flags_then_env_then_bundled(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert catalog_roots([a]) == [a]
    assert catalog_roots([a], with_bundled=True) == [a, bundled_catalog()]
    assert catalog_roots(None, env=f"{a}{os.pathsep}{b}") == [a, b]
    assert catalog_roots(None, env="") == [bundled_catalog()]


def test_the_bundled_catalog_loads() -> None:
    catalog = load_catalog([bundled_catalog()])
    assert {"llama2", "llama3", "gemma"} <= set(catalog.by_id())


def test_a_rewrite_that_restores_size_and_mtime_is_still_noticed(tmp_path: Path) -> None:
    root = copy_mini(tmp_path)
    load_catalog([root])
    path = root / "models" / "alpha.toml"
    before = path.stat()
    path.write_text(path.read_text().replace("Alpha LM", "Omega LM"))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # as tar --mtime would
    assert path.stat().st_size == before.st_size
    assert load_catalog([root]).by_id()["alpha"].name == "Omega LM"


def test_a_damaged_cache_body_is_ignored(tmp_path: Path) -> None:
    root = copy_mini(tmp_path)
    load_catalog([root])
    cache_file = CardCache(root).path
    header, _, body = cache_file.read_bytes().partition(b"\n")
    cache_file.write_bytes(header + b"\n" + body.replace(b'"Alpha LM"', b'"Alpha XX"'))
    assert load_catalog([root]).by_id()["alpha"].name == "Alpha LM"


def test_special_files_and_huge_files_are_refused_without_reading_them(tmp_path: Path) -> None:
    root = copy_mini(tmp_path)
    os.mkfifo(root / "models" / "fifo.toml")
    (root / "models" / "zero.toml").symlink_to("/dev/zero")
    (root / "models" / "big.toml").write_bytes(b"#" * (2 * 1024 * 1024))
    with pytest.raises(CatalogError) as info:
        load_catalog([root])
    text = str(info.value)
    assert "fifo.toml: not a regular file" in text
    assert "zero.toml: not a regular file" in text
    assert "big.toml: larger than 1 MiB" in text


def test_a_number_too_long_for_python_is_a_located_problem(tmp_path: Path) -> None:
    root = copy_mini(tmp_path)
    (root / "models" / "long.toml").write_text('id = "long"\ncontext_length = ' + "9" * 5000 + "\n")
    with pytest.raises(CatalogError, match=r"long\.toml:1:1: invalid TOML: a number is too long"):
        load_catalog([root])


def test_the_same_folder_twice_is_read_once(tmp_path: Path) -> None:
    root = copy_mini(tmp_path)
    assert len(load_catalog([root, root / ".." / "cat"]).cards) == 4


def test_a_damaged_card_text_in_the_cache_falls_back_to_the_card_file(tmp_path: Path) -> None:
    root = copy_mini(tmp_path)
    load_catalog([root])
    cache_file = CardCache(root).path
    raw = cache_file.read_bytes()
    # The prose lies after the index, which only names and sizes: damage it there.
    at = raw.rindex(b"A small test family")
    cache_file.write_bytes(raw[:at] + b"X" + raw[at + 1 :])
    alpha = load_catalog([root]).by_id()["alpha"]
    assert alpha.data["summary"] == "A small test family with two sizes."


def test_a_warm_card_decodes_its_prose_only_when_asked(tmp_path: Path) -> None:
    root = copy_mini(tmp_path)
    load_catalog([root])
    alpha = load_catalog([root]).by_id()["alpha"]
    assert alpha.cells["sizes"] == "7B, 70B"
    assert alpha._data is None and alpha._light is None
    assert alpha.light["organization"] == "Acme Labs"
    assert "summary" not in alpha.light
    assert alpha.data["summary"] == "A small test family with two sizes."


def test_many_cards_are_parsed_in_worker_processes_with_the_same_result(
    tmp_path: Path, monkeypatch
) -> None:
    import llmcat.catalog as catalog_module

    root = copy_mini(tmp_path)
    (root / "models" / "broken.toml").write_text('id = "broken"\nname = 1\n')
    monkeypatch.setenv("LLMCAT_NO_CACHE", "1")
    with pytest.raises(CatalogError) as serial:
        load_catalog([root])
    monkeypatch.setattr(catalog_module, "PARALLEL_FROM", 1)
    monkeypatch.setattr(catalog_module.os, "cpu_count", lambda: 2)
    calls = []
    import concurrent.futures

    original = concurrent.futures.ProcessPoolExecutor

    class Spy(original):  # type: ignore[misc, valid-type]
        def __init__(self, *args, **kwargs):
            calls.append(args)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", Spy)
    with pytest.raises(CatalogError) as parallel:
        load_catalog([root])
    assert calls, "the worker pool was not used"
    assert parallel.value.problems == serial.value.problems
    (root / "models" / "broken.toml").unlink()
    cards = load_catalog([root]).cards
    assert [c.data for c in cards] == [c.data for c in load_catalog([MINI]).cards]
