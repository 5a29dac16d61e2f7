"""The writing checks an editor sees beside the text: problems with their lines, readability
per audience, and the library's references that no article cites."""

from articles.models import Article
from articles.readability import PLAIN_LANGUAGE_MAX_GRADE, audience_readability
from articles.rendering import markdown_warnings
from references.citations import cited_keys
from references.models import Reference
from reviews import workflow
from reviews.retractions import retracted_citations

# The panel lists this many of the references no article cites, and counts the rest.
UNUSED_REFERENCES_SHOWN = 20


def writing_checks(article, body):
    """The writing checks of `body` as the text of `article`: problems with their lines,
    readability per audience, and the library's references that no article's body cites.

    A fixed number of queries, whatever the size of the library or of the site.
    """
    library = list(Reference.objects.order_by("key").values("key", "title"))
    frozen = workflow.freeze(
        article, body=body, library_keys={reference["key"] for reference in library}
    )
    slugs = [audience.slug for audience in frozen.audiences]
    scores = audience_readability(body, audiences=slugs, references=frozen.references)
    cited = set(cited_keys(body))
    for other_body in (
        Article.objects.exclude(pk=article.pk).values_list("body", flat=True).iterator()
    ):
        cited.update(cited_keys(other_body))
    unused = [reference for reference in library if reference["key"] not in cited]
    return {
        # Problems stop a submission; warnings (retracted references, Markdown readers would
        # see as written) do not. The panel lists both by line.
        "problems": sorted(
            [
                {"line": problem.line, "code": problem.code, "message": problem.message}
                for problem in frozen.problems
            ]
            + retraction_warnings(body, frozen.references)
            + [vars(warning) for warning in markdown_warnings(body)],
            key=lambda problem: problem["line"],
        ),
        "audiences": [
            {"slug": audience.slug, "name": audience.name, **scores[audience.slug]}
            for audience in frozen.audiences
        ],
        "max_grade": PLAIN_LANGUAGE_MAX_GRADE,
        "unused_references": unused[:UNUSED_REFERENCES_SHOWN],
        "unused_count": len(unused),
        "library": library,
    }


def retraction_warnings(body, references):
    """A warning for every line that cites a retracted reference (`references`: key -> data as
    Reference.as_data() gives it), as problems are listed: line, code, message. A warning does
    not stop a submission: the board sees the same warning on the round page."""
    return [
        {
            "line": line,
            "code": "retracted-reference",
            "message": f"Line {line}: {citation.message} Cite it only to discuss the retraction.",
        }
        for citation in retracted_citations(body, references)
        for line in citation.lines
    ]
