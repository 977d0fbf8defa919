from llmcat.tomlpos import KeyIndex

CARD = '''id = "x"  # comment with = sign
sources = [
  "https://a.example",
  "https://b.example",
]
summary = """
two [links]
lines"""
"quoted key" = 1
[links]
arxiv = ["https://arxiv.org/abs/1", "https://arxiv.org/abs/2"]
[[variants]]
name = "a"
[[variants]]
name = "b"
huggingface = "c/d"
inline = { x = 1, y = "2" }
'''


def test_keys_tables_and_array_tables_have_their_lines() -> None:
    index = KeyIndex(CARD)
    assert index.line(("id",)) == 1
    assert index.line(("summary",)) == 6
    assert index.line(("quoted key",)) == 9
    assert index.line(("links",)) == 10
    assert index.line(("links", "arxiv")) == 11
    assert index.line(("variants", 0, "name")) == 13
    assert index.line(("variants", 1, "name")) == 15
    assert index.line(("variants", 1, "huggingface")) == 16


def test_array_elements_have_their_own_lines_and_columns() -> None:
    index = KeyIndex(CARD)
    assert index.locate(("sources", 1)) == (4, 3)
    assert index.locate(("links", "arxiv", 1)) == (11, 37)


def test_unknown_paths_fall_back_to_the_nearest_ancestor() -> None:
    index = KeyIndex(CARD)
    assert index.line(("variants", 1, "nope")) == 14
    assert index.line(("inline", "y")) is None
    assert index.line(("variants", 1, "inline", "y")) == 17


def test_crlf_and_bom_do_not_shift_lines() -> None:
    index = KeyIndex("\ufeffid = 1\r\n[links]\r\narxiv = 2\r\n")
    assert index.line(("links", "arxiv")) == 3


def test_broken_text_is_scanned_without_error() -> None:
    for text in ["[unclosed", 'a = "unterminated', "x = [1, 2", '"""', "= = =", "[[a]]\n[a.b"]:
        KeyIndex(text)  # must not raise
