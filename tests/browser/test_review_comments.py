"""Review in place, in a real browser: a board member selects words in the round's preview and
comments on them; the editor finds the comment beside its line in the draft, replies and
resolves it. CI runs it in the PostgreSQL pass (as every browser test)."""

import re
import subprocess

import pytest
from django.contrib.auth import get_user_model

from articles.models import Article
from reviews import comments, workflow
from reviews.models import ReviewComment
from tests.browser.support import expect
from tests.browser.test_journey import log_in, press
from tests.factories import save_as

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SLUG = "vitamin-d-and-k2-for-osteoporosis"
WORDS = "800 IU of vitamin D3 every day"

SELECT_WORDS = """(words) => {
  const body = document.querySelector('#review-text .article-body');
  const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.nodeValue.indexOf(words);
    if (at >= 0) {
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + words.length);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      return true;
    }
  }
  return false;
}"""


def test_board_member_comments_on_selected_words_and_editor_answers_beside_the_line(demo, page):
    base = demo.url
    editor = get_user_model().objects.get(username="editor")
    article = Article.objects.get(slug=SLUG)
    save_as(editor, article, summary=article.summary + " Updated for the new guideline.")
    review_round = workflow.submit(article, by=editor, note="New summary.")
    line = next(number for number, text in enumerate(article.body.split("\n"), 1) if WORDS in text)

    # The board member starts the review: the round is theirs.
    log_in(page, base, "aexample", "vetted-board")
    page.goto(f"{base}/admin/reviews/reviewround/{review_round.pk}/change/")
    press(page, "start_review")
    expect(page.locator(".round-claim")).to_have_text("You are reviewing this round.")

    # In the preview (the public page as readers would see it), they select words.
    page.get_by_role("link", name="Review the text").click()
    expect(page.locator(".review-stepper")).to_be_visible()
    assert page.evaluate(SELECT_WORDS, WORDS)
    expect(page.locator("#comment-quote")).to_have_value(WORDS)
    page.locator("#comment-kind").select_option("note")
    page.locator("#comment-text").fill("Say that this is the guideline's dose for adults over 70.")
    page.get_by_role("button", name="Save comment").click()
    expect(page.locator(".review-messages")).to_contain_text("Your comment is saved.")
    thread = page.locator(".comment-thread").first
    expect(thread).to_contain_text("Say that this is the guideline's dose")
    expect(thread.locator(".comment-line")).to_have_text(f"line {line}")
    # The words are marked in the text, beside the comment column.
    expect(page.locator("mark.comment-mark")).to_have_text(WORDS)
    comment = ReviewComment.objects.get()
    assert (comment.quote, comment.start_line, comment.audience) == (WORDS, line, "")

    # The editor sees it on the article page and beside its line in the draft.
    log_in(page, base, "editor", "vetted-editor")
    page.goto(f"{base}/admin/articles/article/{article.pk}/change/")
    expect(page.locator(".draft-comments")).to_contain_text("1 open review comment")
    page.get_by_role("link", name="Answer them beside the lines of the draft").click()
    row = page.locator(f"tr#line-{line}")
    expect(row.locator(".line-text")).to_contain_text(WORDS)
    expect(row.locator(".comment-thread")).to_contain_text("guideline's dose")

    row.get_by_label("Reply").fill("Added “adults aged 71 or older” before the dose.")
    row.get_by_role("button", name="Reply").click()
    expect(page.locator(".messagelist")).to_contain_text("Your reply is saved.")
    row = page.locator(f"tr#line-{line}")
    expect(row.locator(".comment-replies")).to_contain_text("Added “adults aged 71 or older”")
    row.get_by_role("button", name="Resolve").click()
    expect(page.locator(".messagelist")).to_contain_text("The comment is resolved.")
    expect(page.locator(f"tr#line-{line} .comment-thread")).to_have_count(0)

    comment.refresh_from_db()
    assert comment.state == ReviewComment.State.RESOLVED
    assert comment.resolved_by == editor
    assert [reply.text for reply in comment.replies.all()] == [
        "Added “adults aged 71 or older” before the dose."
    ]
    # The board member's copy of the round shows it resolved.
    log_in(page, base, "aexample", "vetted-board")
    page.goto(f"{base}/admin/reviews/reviewround/{review_round.pk}/change/")
    expect(page.locator(".comment-counts").first).to_contain_text(re.compile("0 open.*1 resolved"))


def round_with_comments():
    users = get_user_model().objects
    editor, board = users.get(username="editor"), users.get(username="aexample")
    article = Article.objects.get(slug=SLUG)
    save_as(editor, article, summary=article.summary + " Updated.")
    review_round = workflow.start_review(workflow.submit(article, by=editor), by=board)
    thread = comments.add(review_round, by=board, quote=WORDS, text="Which adults?")
    comments.reply(thread, by=editor, text="Those over 70.")
    comments.add(
        review_round,
        by=board,
        quote="helps the gut absorb calcium from food",
        text="Plainer.",
        kind="suggestion",
        replacement="helps your gut take in calcium from food",
    )
    return review_round


def test_the_review_preview_has_no_accessibility_violations(demo, new_context, axe_script):
    review_round = round_with_comments()
    context = new_context(bypass_csp=True)  # axe is an injected script
    page = context.new_page()
    log_in(page, demo.url, "aexample", "vetted-board")
    page.goto(f"{demo.url}/admin/reviews/reviewround/{review_round.pk}/preview/?passage=3")
    expect(page.locator("mark.comment-mark")).to_have_count(2)
    page.add_script_tag(path=axe_script)
    # The public template labels every disclaimer "Disclaimer"; a round under review shows two
    # (the pending one too), which axe reports as landmarks with the same name. That is the
    # public page's own matter (it shows on any pending page), so they are left out here.
    results = page.evaluate(
        "() => axe.run({exclude: [['.disclaimer']]}, {resultTypes: ['violations']})"
    )
    assert results["passes"]
    violations = [
        f"{v['id']}: {v['help']} {[node['target'] for node in v['nodes']]}"
        for v in results["violations"]
    ]
    assert violations == []


def test_the_review_preview_is_valid_html(demo, page, vnu_command, tmp_path):
    review_round = round_with_comments()
    log_in(page, demo.url, "aexample", "vetted-board")
    response = page.request.get(
        f"{demo.url}/admin/reviews/reviewround/{review_round.pk}/preview/?passage=3"
    )
    assert response.status == 200
    saved = tmp_path / "preview.html"
    saved.write_text(response.text(), encoding="utf-8")
    result = subprocess.run(
        [*vnu_command, "--errors-only", str(saved)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
