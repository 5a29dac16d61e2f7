"""Machine-readable views of a published round: schema.org JSON-LD and the public JSON API."""

from django.urls import reverse

from references.citations import format_reference_text
from references.csl import to_csl
from references.identifiers import doi_url, pubmed_url

AUDIENCE_TYPES = {
    "clinician": "https://schema.org/Clinician",
    "student": "https://schema.org/MedicalAudience",
    "patient": "https://schema.org/Patient",
    "caregiver": "https://schema.org/MedicalAudience",
}


def article_json_ld(page, url):
    """schema.org MedicalWebPage for one article page (`page`: a reviews.pages.PublishedPage)."""
    data = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "name": page.title,
        "headline": page.title,
        "description": page.summary,
        "url": url,
        "inLanguage": "en",
        "isAccessibleForFree": True,
        "publishingPrinciples": url.split("/articles/")[0] + reverse("articles:editorial_policy"),
        "medicalAudience": {
            "@type": "MedicalAudience",
            "audienceType": page.audience_name,
        },
        "citation": [citation(data) for data in page.references.values()],
    }
    if page.is_approved:
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
    return item


def article_api_data(review_round, url):
    """The published round as the public JSON API returns it."""
    snapshot = review_round.snapshot
    return {
        "slug": snapshot["article"]["slug"],
        "url": url,
        "title": snapshot["article"]["title"],
        "summary": snapshot["article"]["summary"],
        "review": {
            "state": review_round.state,
            "round": review_round.number,
            "submitted_at": review_round.submitted_at.isoformat(),
            "approved_at": review_round.approved_at.isoformat()
            if review_round.approved_at
            else None,
            "next_review_due": (
                review_round.next_review_due.date().isoformat()
                if review_round.next_review_due
                else None
            ),
            "reviewer": (
                {
                    "name": review_round.approver_name,
                    "credentials": review_round.approver_credentials,
                }
                if review_round.is_approved
                else None
            ),
            "snapshot_sha256": review_round.snapshot_sha256,
        },
        "default_audience": snapshot["default_audience"],
        "audiences": [
            {
                "slug": item["slug"],
                "name": item["name"],
                "body_html": review_round.rendered_for(item["slug"])["body_html"],
                "references": review_round.rendered_for(item["slug"])["cited_keys"],
            }
            for item in snapshot["audiences"]
        ],
        "evidence_note_html": review_round.rendered_for(snapshot["default_audience"])[
            "evidence_html"
        ],
        "references": [to_csl(data) for data in snapshot["references"].values()],
    }
