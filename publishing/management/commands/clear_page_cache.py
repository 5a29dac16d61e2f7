"""`manage.py clear_page_cache`: make every cached article page stale, on every app server.

For after a database restore or any change made behind the workflow's back (raw SQL, a
dumped-and-loaded table). It replaces the site token that every cached page is stored under;
it touches no other key, so a Redis shared with other programs keeps their data.
"""

from django.core.management.base import BaseCommand, CommandError

from publishing import pagecache


class Command(BaseCommand):
    help = "Make every cached article page stale (after a restore or a change outside the admin)."

    def handle(self, *args, **options):
        try:
            pagecache.forget_all_pages()
        except Exception as error:  # the cache backend's own errors have no common base
            reason = " ".join(str(error).split()) or type(error).__name__
            raise CommandError(f"Cannot reach the cache: {reason}") from error
        self.stdout.write("Every cached article page is now stale; pages render afresh.")
