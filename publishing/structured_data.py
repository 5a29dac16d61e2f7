"""Machine-readable views of a published round: schema.org JSON-LD and the public JSON API."""

from django.urls import get_script_prefix

from publishing.addresses import absolute_url
from publishing.context_processors import assets, links_under
from references.citations import format_reference_text
from references.csl import to_csl
from references.identifiers import doi_url, pubmed_url

AUDIENCE_TYPES = {
    "clinician": "https://schema.org/Clinician",
    "student": "https://schema.org/MedicalAudience",
    "patient": "https://schema.org/Patient",
    "caregiver": "https://schema.org/MedicalAudience",
}


PUBLISHER_NAME = "Vetted"
BOARD_NAME = "Medical Advisory Board"


def article_json_ld(page, url):
    """schema.org MedicalWebPage for one article page (`page`: a reviews.pages.PublishedPage),
    saying what the page shows and nothing more.

    - datePublished: the article's first approval (the oldest line of its update history);
      dateModified: its "Last updated" date.
    - publisher: the site, with its preview picture as logo.
    - editor: the page credits no author, only "Reviewed by the Medical Advisory Board" (once
      approved), so the board is named as the editor and its reviewer as reviewedBy; a page
      pending review claims neither.
    - each citation: its DOI and PMID as identifiers, and "Retracted" as its status when the
      reference list labels it so.
    """
    first_published = page.history[-1].decided_at if page.history else page.submitted_at
    links = links_under(get_script_prefix())
    image = assets()["site_image"]["url"]
    data = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "name": page.title,
        "headline": page.title,
        "description": page.summary,
        "url": url,
        "inLanguage": "en",
        "isAccessibleForFree": True,
        "publishingPrinciples": absolute_url(links["editorial_policy"]),
        "medicalAudience": {
            "@type": "MedicalAudience",
            "audienceType": page.audience_name,
        },
        "datePublished": first_published.isoformat(),
        "dateModified": page.last_updated.isoformat(),
        "publisher": {
            "@type": "Organization",
            "name": PUBLISHER_NAME,
            "url": absolute_url(links["home"]),
            "logo": {"@type": "ImageObject", "url": image},
        },
        "image": image,
        "citation": [citation(data) for data in page.references.values()],
    }
    if page.is_approved:
        data["editor"] = {
            "@type": "Organization",
            "name": BOARD_NAME,
            "url": absolute_url(links["board"]),
        }
        data["lastReviewed"] = page.decided_at.date().isoformat()
        data["reviewedBy"] = {
            "@type": "Person",
            "name": page.approver_name,
            "honorificSuffix": page.approver_credentials,
        }
    return data


def citation(data):
    item = {
        "@type": "CreativeWork",
        "name": data.get("title", ""),
        "text": format_reference_text(data),
    }
    identifiers = []
    if data.get("doi"):
        identifiers.append({"@type": "PropertyValue", "propertyID": "DOI", "value": data["doi"]})
        item["url"] = doi_url(data["doi"])
    if data.get("pmid"):
        identifiers.append({"@type": "PropertyValue", "propertyID": "PMID", "value": data["pmid"]})
        item.setdefault("url", pubmed_url(data["pmid"]))
    if identifiers:
        item["identifier"] = identifiers
    if data.get("retracted") is True:
        item["creativeWorkStatus"] = "Retracted"
    return item


def article_api_data(page, url):
    """The published round as the public JSON API returns it; `page` is a PublishedPage read
    with every audience's HTML (reviews.pages.published_page(..., every_audience=True))."""
    return {
        "slug": page.slug,
        "url": url,
        "title": page.title,
        "summary": page.summary,
        "review": {
            "state": page.state,
            "round": page.number,
            "submitted_at": page.submitted_at.isoformat(),
            "approved_at": page.approved_at.isoformat() if page.approved_at else None,
            "next_review_due": (
                page.next_review_due.date().isoformat() if page.next_review_due else None
            ),
            "reviewer": (
                {"name": page.approver_name, "credentials": page.approver_credentials}
                if page.is_approved
                else None
            ),
            "snapshot_sha256": page.snapshot_sha256,
        },
        "default_audience": page.default_audience,
        "audiences": [
            {
                "slug": item["slug"],
                "name": item["name"],
                "body_html": page.contents[item["slug"]]["body_html"],
                "references": page.contents[item["slug"]]["cited_keys"],
            }
            for item in page.audiences
        ],
        "evidence_note_html": page.contents[page.default_audience]["evidence_html"],
        "references": [to_csl(data) for data in page.references.values()],
    }
