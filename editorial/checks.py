"""The writing checks an editor sees beside the text: problems with their lines, readability
per audience, and the library's references that no article cites.

Every problem is a dict {line, code, kind, message, fix}: `kind` is "error" for what stops a
submission (reviews.workflow refuses it) and "warning" for what a reviewer would question but
the workflow lets through. Line 0 means a field other than the body.
"""

import difflib
import re

from articles.models import Article
from articles.readability import PLAIN_LANGUAGE_MAX_GRADE, audience_readability
from articles.rendering import markdown_warnings, text_for_audience
from references.citations import CITATION_RE, cited_keys, parse_group
from references.models import Reference
from reviews import workflow
from reviews.retractions import retracted_citations

# The panel lists this many of the references no article cites, and counts the rest.
UNUSED_REFERENCES_SHOWN = 20

# How to fix each kind of blocking problem the workflow reports.
FIXES = {
    "unknown-citation": "Cite a key from the library (the picker lists them), or add the "
    "reference to the library first.",
    "unclosed-block": 'Add a line with ":::" where the audience block ends.',
    "stray-close": 'Remove the ":::" line, or open a block above it.',
    "nested-block": "Close the first audience block before opening the next.",
    "unknown-audience": "Name audiences that exist (see the preview's tabs).",
    "empty-block-audiences": 'Name the audiences after "::: audience".',
    "too-long": "Shorten the text or split the article.",
}

NO_AUDIENCES = {
    "line": 0,
    "code": "no-audiences",
    "kind": "error",
    "message": "There are no audiences yet, so the text cannot be checked, previewed or submitted.",
    "fix": "Add at least one audience (Articles › Audiences), then come back to this page.",
}

_UNKNOWN_KEY_RE = re.compile(r'unknown citation key "([^"]*)"')


def writing_checks(article, body):
    """The writing checks of `body` as the text of `article`: problems with their lines,
    readability per audience, and the library's references that no article's body cites.

    A fixed number of queries, whatever the size of the library or of the site.
    """
    library = list(
        Reference.objects.order_by("key").values("key", "title", "authors", "year", "doi", "pmid")
    )
    keys = [reference["key"] for reference in library]
    try:
        frozen = workflow.freeze(article, body=body, library_keys=set(keys))
    except workflow.InvalidTransition:
        # A new site before its first audience: nothing can be rendered, so say what to do.
        return {
            "problems": [NO_AUDIENCES],
            "audiences": [],
            "max_grade": PLAIN_LANGUAGE_MAX_GRADE,
            "unused_references": [],
            "unused_count": 0,
            "library": [picker_entry(reference) for reference in library],
        }
    slugs = [audience.slug for audience in frozen.audiences]
    scores = audience_readability(body, audiences=slugs, references=frozen.references)
    cited = set(cited_keys(body))
    for other_body in (
        Article.objects.exclude(pk=article.pk).values_list("body", flat=True).iterator()
    ):
        cited.update(cited_keys(other_body))
    unused = [reference for reference in library if reference["key"] not in cited]
    problems = [blocking_problem(problem, keys) for problem in frozen.problems]
    warnings = [
        *empty_text_warnings(article, body),
        *placeholder_warnings(body),
        *empty_section_warnings(body, slugs),
        *partial_citation_warnings(body, slugs),
        *grade_warnings(body, scores),
        # Retracted references and Markdown readers would see as written: warnings too, the
        # board sees the retractions again on the round page.
        *retraction_warnings(body, frozen.references),
        *(
            warning(
                diagnostic.line,
                diagnostic.code,
                diagnostic.message,
                "Add the footnote's text on a line of its own, or delete the marker.",
            )
            for diagnostic in markdown_warnings(body)
        ),
    ]
    return {
        "problems": sorted(problems + warnings, key=lambda problem: problem["line"]),
        "audiences": [
            {"slug": audience.slug, "name": audience.name, **scores[audience.slug]}
            for audience in frozen.audiences
        ],
        "max_grade": PLAIN_LANGUAGE_MAX_GRADE,
        "unused_references": [
            {"key": reference["key"], "title": reference["title"]}
            for reference in unused[:UNUSED_REFERENCES_SHOWN]
        ],
        "unused_count": len(unused),
        "library": [picker_entry(reference) for reference in library],
    }


def retraction_warnings(body, references):
    """A warning for every line that cites a retracted reference (`references`: key -> data as
    Reference.as_data() gives it), as problems are listed: line, code, message. A warning does
    not stop a submission: the board sees the same warning on the round page."""
    return [
        warning(
            line,
            "retracted-reference",
            f"Line {line}: {citation.message}",
            "Cite it only to discuss the retraction, or cite another source.",
        )
        for citation in retracted_citations(body, references)
        for line in citation.lines
    ]


def picker_entry(reference):
    """What the citation picker shows and searches of a reference."""
    first_author = (reference["authors"] or "").strip().splitlines()[:1]
    return {
        "key": reference["key"],
        "title": reference["title"],
        "author": first_author[0].strip() if first_author else "",
        "year": reference["year"] or "",
        "doi": reference["doi"],
        "pmid": reference["pmid"],
    }


def blocking_problem(diagnostic, library_keys):
    """A workflow Diagnostic as a problem dict; an unknown key gets "did you mean …?"."""
    problem = {
        "line": diagnostic.line,
        "code": diagnostic.code,
        "kind": "error",
        "message": diagnostic.message,
        "fix": FIXES.get(diagnostic.code, ""),
    }
    match = _UNKNOWN_KEY_RE.search(diagnostic.message)
    if diagnostic.code == "unknown-citation" and match:
        suggestions = did_you_mean(match.group(1), library_keys)
        if suggestions:
            problem["suggestions"] = suggestions
            problem["message"] += (
                " Did you mean " + " or ".join(f"[@{key}]" for key in suggestions) + "?"
            )
            problem["fix"] = f'Replace "{match.group(1)}" with "{suggestions[0]}".'
    return problem


def did_you_mean(key, library_keys, *, limit=3):
    """Library keys close to the unknown `key`: the same key in another case first, then
    keys a small typo away (difflib's ratio, case ignored)."""
    by_lower = {}
    for known in library_keys:
        by_lower.setdefault(known.lower(), known)
    lowered = key.lower()
    if lowered in by_lower:
        return [by_lower[lowered]]
    close = difflib.get_close_matches(lowered, list(by_lower), n=limit, cutoff=0.75)
    return [by_lower[match] for match in close]


def warning(line, code, message, fix):
    return {"line": line, "code": code, "kind": "warning", "message": message, "fix": fix}


def empty_text_warnings(article, body):
    """An empty body or summary: there is nothing for the board to review."""
    found = []
    if not (article.summary or "").strip():
        found.append(
            warning(
                0,
                "empty-summary",
                "The summary is empty; readers see it first, under the question.",
                "Answer the question in one plain paragraph in the summary field.",
            )
        )
    if not body.strip():
        found.append(
            warning(1, "empty-body", "The body is empty.", "Write the article's text here.")
        )
    return found


# Text that stands in for text still to write.
PLACEHOLDER_RE = re.compile(
    r"\b(?:TODO|TBD|FIXME|XXX|lorem ipsum)\b|\[(?:citation needed|insert[^\]]*)\]|\?\?\?",
    re.IGNORECASE,
)


def placeholder_warnings(body):
    """Placeholder text left in the body, each with its line."""
    found = []
    for number, line in enumerate(body.splitlines(), start=1):
        for match in PLACEHOLDER_RE.finditer(line):
            found.append(
                warning(
                    number,
                    "placeholder",
                    f"Placeholder “{match.group(0)}” left in the text.",
                    "Write the missing text or delete the placeholder.",
                )
            )
    return found


_HEADING_RE = re.compile(r"^(#{1,6})\s+\S")


def empty_section_warnings(body, audiences):
    """Headings whose section holds no text for some of the audiences that see the heading
    (their text is in another audience's block only)."""
    empty_for = {}  # heading line -> audiences it is empty for
    seen_by = {}  # heading line -> audiences that see it
    for audience in audiences:
        lines = text_for_audience(body, audience).split("\n")
        for index, line in enumerate(lines):
            heading = _HEADING_RE.match(line)
            if not heading:
                continue
            level = len(heading.group(1))
            seen_by.setdefault(index + 1, []).append(audience)
            has_text = False
            for later in lines[index + 1 :]:
                other = _HEADING_RE.match(later)
                if other and len(other.group(1)) <= level:
                    break
                if later.strip():
                    has_text = True
                    break
            if not has_text:
                empty_for.setdefault(index + 1, []).append(audience)
    found = []
    for line, empty in sorted(empty_for.items()):
        title = body.split("\n")[line - 1].lstrip("#").strip()
        if len(empty) == len(seen_by[line]):
            found.append(
                warning(
                    line,
                    "empty-section",
                    f"The section “{title}” is empty.",
                    "Write its text, or delete the heading.",
                )
            )
        else:
            found.append(
                warning(
                    line,
                    "empty-section-audience",
                    f"The section “{title}” is empty for {', '.join(empty)} readers.",
                    "Add shared text under the heading or a block for them, or put the heading "
                    "inside the other audiences' block.",
                )
            )
    return found


def partial_citation_warnings(body, audiences):
    """References cited in the text of some audiences only: the others' reference lists will
    not have them, so each audience's list differs."""
    first_line = {}
    cited_by = {}
    for audience in audiences:
        for number, line in enumerate(text_for_audience(body, audience).split("\n"), start=1):
            for match in CITATION_RE.finditer(line):
                for key in parse_group(match.group(1)):
                    cited_by.setdefault(key, set()).add(audience)
                    first_line[key] = min(first_line.get(key, number), number)
    found = []
    for key, readers in cited_by.items():
        if len(readers) < len(audiences):
            named = [audience for audience in audiences if audience in readers]
            found.append(
                warning(
                    first_line[key],
                    "partial-citation",
                    f"[@{key}] is cited only in the text for {', '.join(named)}: other readers "
                    "will not find it in their reference list.",
                    "Cite it in the shared text too if every reader should see it.",
                )
            )
    return sorted(found, key=lambda problem: problem["line"])


def grade_warnings(body, scores):
    """Patient and caregiver text above the plain-language grade (a warning: the board
    decides). Placed at the first line of the audience's own block, else at line 1."""
    found = []
    for audience, score in scores.items():
        if not score["flagged"]:
            continue
        line = 1
        for number, text in enumerate(body.split("\n"), start=1):
            if text.startswith(":::") and re.search(rf"\b{re.escape(audience)}\b", text):
                line = number
                break
        found.append(
            warning(
                line,
                "grade-over-limit",
                f"The {audience} text reads at grade {score['grade']:.1f}, over the limit of "
                f"{PLAIN_LANGUAGE_MAX_GRADE:.0f}.",
                "Shorter sentences and everyday words bring the grade down.",
            )
        )
    return found
