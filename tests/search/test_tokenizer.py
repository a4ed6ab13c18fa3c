"""The tokenizer: the same words for documents and queries, government words kept whole, pinyin spellings."""

from __future__ import annotations

from yiwang.search import tokenizer


def test_full_width_and_upper_case_text_is_normalized_without_changing_length() -> None:
    assert tokenizer.normalize("ＳＢＫ　社保卡１２") == "sbk 社保卡12"
    assert len(tokenizer.normalize("ＳＢＫ　社保卡")) == len("ＳＢＫ　社保卡")


def test_government_words_are_kept_whole() -> None:
    assert "社会保障卡" in tokenizer.words("社会保障卡挂失", search_mode=False)
    assert "食品经营许可" in tokenizer.words("食品经营许可核发", search_mode=False)
    assert "残疾人证" in tokenizer.words("残疾人证新办", search_mode=False)


def test_stop_words_and_punctuation_are_dropped() -> None:
    assert tokenizer.words("生孩子要办什么？") == ["生", "孩子"]
    assert tokenizer.words("“的”了！！") == []


def test_chinese_words_are_also_indexed_by_pinyin_and_initials() -> None:
    terms = tokenizer.index_terms("社保卡申领")
    assert {"社保卡", "shebaoka", "sbk", "申领", "shenling", "sl"} <= set(terms)


def test_single_characters_get_no_initials() -> None:
    assert tokenizer.spellings("证") == ()
