"""Reading articles from a corpus directory and cutting them into citable sentences.

Corpus format: UTF-8 ``.txt`` or ``.md`` files, one article each, optionally opening
with a YAML front-matter block between ``---`` lines (``title``, ``date``, ``source``).
Paragraphs are separated by line breaks. A line with no sentence-ending punctuation is
a heading (it names the section of the sentences below it) or boilerplate
(``Also Read``, ``[With inputs from agencies]``); neither is ever quoted.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from .analyze import normalize
from .errors import CorpusError
from .store_manifest import is_our_index
from .types import Article, Citation, Sentence

ARTICLE_SUFFIXES = (".txt", ".md")

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*(?:\r?\n|\Z)", re.S | re.M)
_OPENS_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n")
# a line that ends a sentence: . ! ? or … possibly followed by closing quotes/brackets
_ENDS_SENTENCE = re.compile(r"[.!?\u2026][\"'\u2019\u201d)\]]*\s*\Z")
_HAS_WORD = re.compile(r"[^\W_]")
_BOILERPLATE = re.compile(
    r"\A(?:\[.*\]|\(.*\)|also read|read more|read also|advertisement|related:?.*|"
    r"share this.*|click here.*|subscribe.*)\Z",
    re.I,
)


def _title_from_name(stem: str) -> str:
    words = re.sub(r"[-_]+", " ", stem).strip()
    return words[:1].upper() + words[1:] if words else stem


def _why_empty(text: str, front_matter: bool) -> str:
    """Why an article whose body is ``text`` (blank) has no text, for :func:`read_article`."""
    if front_matter:
        return "nothing after the front matter"
    return "the file is empty" if not text else "the file holds only blank lines"


def _check_link(path: Path) -> None:
    """Raise :class:`CorpusError` unless the symbolic link ``path`` leads to a regular
    file: it dangles or loops (``is a broken or looping symbolic link``), or it leads to
    a directory, a FIFO, a device or a socket (``is a symbolic link to a directory, not
    to an article file``), which is never opened (a FIFO would block the read)."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise CorpusError(f"{path} is a broken or looping symbolic link") from exc
    if not stat.S_ISREG(mode):
        raise CorpusError(f"{path} is a symbolic link to {_file_kind(mode)}, not to an article file")


def _file_kind(mode: int) -> str:
    """What a non-regular file of ``st_mode`` ``mode`` is, for a message."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a socket" if stat.S_ISSOCK(mode) else "something that is not a file"


def read_article(path: Path) -> Article:
    """Read one article file. (Long because each way a file can be unusable gets its
    own one-line message here, in the order the file is read.)

    Parameters
    ----------
    path : Path
        A ``.txt`` or ``.md`` file.

    Returns
    -------
    Article
        ``doc_id`` is the file name without extension; ``text`` is the body: the file's
        bytes decoded with ``"utf-8-sig"`` (a leading byte-order mark dropped; line
        endings kept as they are, ``\\r\\n`` included), the front-matter block removed
        through its closing ``---`` line. Citation offsets index this string, so a
        reader must decode the same way (``open(path, encoding="utf-8-sig",
        newline="")``); with ``"utf-8"`` a file's byte-order mark is one more
        character.

    Raises
    ------
    CorpusError
        The file is a symbolic link that dangles, loops or leads to something other
        than a regular file (a directory, a FIFO: never opened), cannot be read, is
        not UTF-8, its front matter is not valid YAML mapping, or it has no text to
        index (empty, blank, or front matter alone). The message names the file.
    """
    if path.is_symlink():
        _check_link(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        if path.is_symlink() and not path.exists():
            raise CorpusError(f"{path} is a broken or looping symbolic link") from exc
        raise CorpusError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CorpusError(
            f"{path} is not UTF-8 text (bad byte at offset {exc.start}); save it as UTF-8"
        ) from exc
    if "\x00" in text:
        raise CorpusError(f"{path} looks like a binary file (it contains NUL bytes)")
    meta: dict = {}
    match = _FRONT_MATTER.match(text)
    if match:
        import yaml

        try:
            loaded = yaml.safe_load(match.group(1))
        except ValueError as exc:  # a timestamp that is no date: "date: 2024-13-45"
            raise CorpusError(f"{path}: front matter has an impossible value: {exc}") from exc
        except yaml.YAMLError as exc:
            problem = getattr(exc, "problem", None) or "cannot be parsed"
            mark = getattr(exc, "problem_mark", None)
            where = f" (front matter line {mark.line + 1})" if mark is not None else ""
            raise CorpusError(f"{path}: front matter is not valid YAML: {problem}{where}") from exc
        if loaded is not None and not isinstance(loaded, dict):
            raise CorpusError(f"{path}: front matter must be 'key: value' lines")
        meta = loaded or {}
        text = text[match.end():]
    elif _OPENS_FRONT_MATTER.match(text):
        raise CorpusError(f"{path}: front matter opened with '---' is never closed by a '---' line")
    for key in ("title", "date", "source"):
        value = meta.get(key)
        if isinstance(value, (list, dict, set)):
            raise CorpusError(f"{path}: front matter {key!r} must be a single value, got {value!r}")
    if not text.strip():
        raise CorpusError(f"{path}: no text to index ({_why_empty(text, match is not None)})")
    title = str(meta.get("title") or "").strip() or _title_from_name(path.stem)
    date = meta.get("date")
    source = meta.get("source")
    return Article(
        doc_id=path.stem,
        title=title,
        text=text,
        path=str(path),
        date=str(date) if date is not None else None,
        source=str(source) if source is not None else None,
    )


def check_corpus_dir(directory: str | Path) -> Path:
    """``directory`` as a Path, once it is known to be a directory we can list and enter.

    Checked before anything else is read (the persisted index lives inside it), so
    that a wrong path is reported once, as what it is.

    Raises
    ------
    CorpusError
        ``corpus directory X does not exist``, ``corpus path X is not a directory``,
        ``cannot read corpus directory X: <reason>`` (no permission to list it or
        to enter it, as with mode 000), or ``X is a persisted index directory, not a
        corpus directory: use the corpus directory Y instead`` (one of our indexes,
        :func:`retrieval.store_manifest.is_our_index`; Y is the directory above it when
        that holds article files, else the message asks for the articles' directory).
    """
    root = Path(directory)
    try:
        if not root.exists():
            raise CorpusError(f"corpus directory {root} does not exist")
        if not root.is_dir():
            raise CorpusError(f"corpus path {root} is not a directory")
        os.listdir(root)  # read permission
        os.stat(os.path.join(root, "."))  # search permission: needed to open its files
    except OSError as exc:
        raise CorpusError(f"cannot read corpus directory {root}: {exc.strerror or exc}") from exc
    if is_our_index(root):
        raise CorpusError(_index_not_corpus(root))
    return root


def _index_not_corpus(root: Path) -> str:
    """The message for a corpus path ``root`` that is one of our persisted indexes
    (``corpus/.index`` given as the corpus): it names the directory above it when that
    holds article files (the corpus the index was most likely built from)."""
    parent = root.parent if root.name not in ("", ".", "..") else root.resolve().parent
    said = f"{root} is a persisted index directory, not a corpus directory"
    try:
        has_articles = any(
            p.suffix.lower() in ARTICLE_SUFFIXES and not p.name.startswith(".") and p.is_file()
            for p in parent.iterdir()
        )
    except OSError:
        has_articles = False
    if has_articles and not is_our_index(parent):
        return f"{said}: use the corpus directory {parent} instead"
    return f"{said}: give the directory that holds the article files"


def article_paths(directory: str | Path) -> list[Path]:
    """The article files of ``directory`` (``.txt``/``.md``, not hidden, not recursive), by name.

    Every symbolic link with an article name is listed too, whatever it leads to: one
    that dangles, loops or leads to a directory, a FIFO or a device fails when read
    (:func:`read_article`), so that it is named in the same error as every other
    unusable file. A FIFO or a directory that is not a link is skipped (never opened).

    Raises
    ------
    CorpusError
        As :func:`check_corpus_dir`, or the directory holds no article file.
    """
    root = check_corpus_dir(directory)
    try:
        entries = sorted(root.iterdir())
    except OSError as exc:
        raise CorpusError(f"cannot read corpus directory {root}: {exc.strerror or exc}") from exc
    paths = []
    for p in entries:
        if p.suffix.lower() not in ARTICLE_SUFFIXES or p.name.startswith("."):
            continue
        if p.is_symlink() or p.is_file():  # a link to no regular file: reported when read
            paths.append(p)
    if not paths:
        raise CorpusError(
            f"corpus directory {root} has no articles (expected .txt or .md files)"
        )
    return paths


def check_unique_ids(paths: list[Path]) -> None:
    """Raise :class:`CorpusError` when two article files share a doc id (file stem)."""
    seen: dict[str, str] = {}
    for path in paths:
        if path.stem in seen:
            raise CorpusError(
                f"two articles share the id {path.stem!r}: {seen[path.stem]} and {path}"
            )
        seen[path.stem] = str(path)


def load_articles(directory: str | Path) -> list[Article]:
    """Read every ``.txt``/``.md`` article in ``directory`` (not recursive), by file name.

    Hidden files (``.name``) are skipped.

    Raises
    ------
    CorpusError
        The directory is missing or not a directory, holds no article file, files
        cannot be read or decoded or have no text (all named in one message, see
        :func:`unusable_files`), or two files share a doc id.
    """
    articles, problems = [], []
    for path in article_paths(directory):
        try:
            articles.append(read_article(path))
        except CorpusError as exc:
            problems.append((str(path), str(exc)))
    if problems:
        raise unusable_files(problems)
    seen: dict[str, str] = {}
    for article in articles:
        if article.doc_id in seen:
            raise CorpusError(
                f"two articles share the id {article.doc_id!r}: {seen[article.doc_id]} and {article.path}"
            )
        seen[article.doc_id] = article.path
    return articles


MAX_NAMED = 10  # reasons (groups of files) named in one error, then "and N more"
MAX_NAMED_PER_REASON = 3  # files named for one reason, then "and N more"


def unusable_files(problems: list[tuple[str, str]]) -> CorpusError:
    """One error for every article file that cannot be used, so that one run reports
    them all.

    Parameters
    ----------
    problems : list of (str, str)
        ``(path, message)`` per unusable file, in corpus order: the file's path as its
        :class:`CorpusError` message spells it, and that message.

    Returns
    -------
    CorpusError
        A single problem is its own message. More read ``N corpus files cannot be used:
        A; B; ...``; files whose messages differ only by the path share one part, the
        reason said once: ``a.txt, b.txt, c.txt and 6 more: no citable sentence (...)``
        (``x.txt, y.txt: each is not UTF-8 text ...`` for a message of the form ``x.txt
        is ...``). At most ``MAX_NAMED_PER_REASON`` paths per reason and ``MAX_NAMED``
        reasons are named, then ``and N more``.
    """
    if len(problems) == 1:
        return CorpusError(problems[0][1])
    groups: dict[str, list[str]] = {}  # the message, its path a NUL character -> paths, in corpus order
    for path, message in problems:
        template = message.replace(path, "\0", 1) if path and path in message else message
        groups.setdefault(template, []).append(path)
    parts = [_group_part(template, paths) for template, paths in list(groups.items())[:MAX_NAMED]]
    rest = sum(len(paths) for paths in list(groups.values())[MAX_NAMED:])
    more = f"; and {rest} more" if rest else ""
    return CorpusError(f"{len(problems)} corpus files cannot be used: {'; '.join(parts)}{more}")


def _group_part(template: str, paths: list[str]) -> str:
    """The part of :func:`unusable_files`'s message for the files ``paths``, whose
    messages are ``template`` with the path in place of its NUL character."""
    if len(paths) == 1 or "\0" not in template:
        return template.replace("\0", paths[0], 1)
    names = ", ".join(paths[:MAX_NAMED_PER_REASON])
    if len(paths) > MAX_NAMED_PER_REASON:
        names += f" and {len(paths) - MAX_NAMED_PER_REASON} more"
    if template.startswith("\0 "):  # "x is not UTF-8 text ..." -> "x, y: each is not UTF-8 text ..."
        return f"{names}: each{template[1:]}"
    return template.replace("\0", names, 1)


def is_heading(line: str) -> bool:
    """True for a line with no sentence-ending punctuation (heading or boilerplate)."""
    return not _ENDS_SENTENCE.search(line)


def is_boilerplate(line: str) -> bool:
    """True for a non-sentence line that is not a section heading (``Also Read``)."""
    return bool(_BOILERPLATE.match(line.strip()))


def _dedupe_key(text: str) -> str:
    return " ".join(normalize(text).casefold().split())


def split_article(article: Article) -> list[Sentence]:
    """Cut an article into citable sentences with citations.

    Returns
    -------
    list of Sentence
        In article order. Sentence numbers count citable sentences from 1; paragraph
        numbers count body paragraphs (lines with a word that are not headings or
        boilerplate) from 1. Offsets index
        ``article.text``.
    """
    doc_id, title = article.doc_id, article.title
    return [
        Sentence(
            id=f"{doc_id}:{number}",
            text=text,
            citation=Citation(
                doc_id=doc_id,
                title=title,
                section=section,
                paragraph=paragraph,
                sentence=number,
                start=start,
                end=end,
            ),
        )
        for text, section, paragraph, number, start, end in sentence_rows(article)
    ]


# A line and its end: only "\n", "\r\n" and "\r" end one. A form feed, vertical tab,
# U+2028 and the like (which str.splitlines() would break on) stay inside the line as
# whitespace, so a stray one never cuts a paragraph in two.
_LINES = re.compile(r"[^\r\n]*(?:\r\n|\n|\r)|[^\r\n]+")


def sentence_rows(article: Article) -> list[tuple[str, str | None, int, int, int, int]]:
    """:func:`split_article` without the objects: ``(text, section, paragraph, number,
    start, end)`` per citable sentence, in article order (what the index build needs).
    Paragraphs are the lines ended by ``\n``, ``\r\n`` or ``\r`` that hold a word and
    are not headings or boilerplate; a line with no word (``...``, ``—``) is skipped
    like a blank one (it is neither a paragraph nor a section name)."""
    from .segment import split_sentences

    rows: list[tuple[str, str | None, int, int, int, int]] = []
    section: str | None = None
    paragraph = 0
    offset = 0
    for line in _LINES.findall(article.text):
        start_of_line = offset
        offset += len(line)
        content = line.rstrip("\r\n")
        stripped = content.strip()
        if not _HAS_WORD.search(stripped):  # blank, or no words ("...", "—"): no paragraph, no section
            continue
        if is_heading(stripped):
            if not is_boilerplate(stripped):
                section = stripped
            continue
        paragraph += 1
        for start, end in split_sentences(content):
            if not _HAS_WORD.search(content, start, end):
                continue  # "—", "…", an emoji line: nothing to cite
            rows.append(
                (
                    content[start:end],
                    section,
                    paragraph,
                    len(rows) + 1,
                    start_of_line + start,
                    start_of_line + end,
                )
            )
    return rows


def split_corpus(articles: list[Article]) -> list[Sentence]:
    """All articles' sentences, in article order, each distinct sentence once.

    A sentence whose text (whitespace and case folded) already appeared in an earlier
    article (a syndicated copy) is dropped, so it is quoted once.

    Raises
    ------
    CorpusError
        An article has no citable sentence (:func:`no_citable_sentence`); every such
        article is named, in one error (:func:`unusable_files`).
    """
    seen: set[str] = set()
    kept: list[Sentence] = []
    problems: list[tuple[str, str]] = []
    for article in articles:
        sentences = split_article(article)
        if not sentences:
            name = article.path or article.doc_id
            problems.append((name, no_citable_sentence(name)))
        for sentence in sentences:
            key = _dedupe_key(sentence.text)
            if key in seen:
                continue
            seen.add(key)
            kept.append(sentence)
    if problems:
        raise unusable_files(problems)
    return kept


def no_citable_sentence(name: str) -> str:
    """Why the article file ``name``, which has text, cannot be used: not one of its
    lines holds a citable sentence. Like a file with no text at all, it is an error
    rather than an article that can never be quoted."""
    return (
        f"{name}: no citable sentence (every line is empty, has no words, or is a heading "
        "or boilerplate: no sentence-ending punctuation)"
    )
