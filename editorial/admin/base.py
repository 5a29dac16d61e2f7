"""What the desk's admin pages share: read-only records, object URLs, and safe history views."""

from contextlib import nullcontext

import reversion
from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.contrib.auth import get_permission_codename
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path
from django.utils.formats import localize
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _
from reversion.admin import VersionAdmin
from reversion.errors import RevertError
from reversion.models import Version
from reversion.utils import mute_signals

from reviews.models import Revert


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shows records and never adds, changes or deletes them: the workflow writes them."""

    # The admin never logs a change to them: their history page says why and where to look.
    object_history_template = "admin/readonly_object_history.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def shown_by_name(field_name, label):
    """A read-only admin field for the user `field_name` names, shown as text.

    Django links a read-only foreign key to the row's change page whether or not the viewer
    may open it. Editors and board members may not open users, so on the pages they use every
    day that link only answered 403; the name is what they need.
    """

    @admin.display(description=label, ordering=field_name)
    def show(model_admin, obj):
        user = getattr(obj, field_name)
        return user.get_username() if user is not None else model_admin.get_empty_value_display()

    show.__name__ = f"{field_name}_name"
    return show


def object_urls(model_admin, *routes):
    """Admin URLs for views of one object: (route, view, suffix) triples become
    `<object_id>/<route>` named `<app>_<model>_<suffix>`, behind the admin's login check."""
    opts = model_admin.opts
    return [
        path(
            f"<int:object_id>/{route}",
            model_admin.admin_site.admin_view(view),
            name=f"{opts.app_label}_{opts.model_name}_{suffix}",
        )
        for route, view, suffix in routes
    ]


class HistoryAdmin(VersionAdmin):
    """A VersionAdmin whose revert and recover views restore only what the user may change.

    django-reversion's own views find a version by its id alone (recover) or by its object id
    alone (revert), restore the whole revision it belongs to, whatever models that holds, and
    delete rows linked since. Here:

    - a revert takes only a version of this model and this object, and a recovery only a version
      of this model whose object is deleted;
    - the user must be allowed to change every row the revision restores that exists now and
      to add every one that does not, or the answer is 403 and nothing is touched, when the
      version is only shown as well as when it is saved;
    - a revert never deletes: the restored rows bring back their own links;
    - every row a saved revert restores is recorded in the new revision, which notes the
      revision it restored (reviews.models.Revert), so history and the four-eyes rule see it;
    - rows that count their saves (an `edit_version`, as articles have) keep counting up.
    """

    def revision_view(self, request, object_id, version_id, extra_context=None):
        version = self.own_version(version_id, object_id=unquote(object_id))
        context = {"title": _("Revert %(name)s") % {"name": version.object_repr}, "revert": True}
        template = self.revision_form_template or self.history_templates("revision_form.html")
        return self.revert_view(request, version, template, {**context, **(extra_context or {})})

    def recover_view(self, request, version_id, extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        version = self.own_version(version_id)
        if self.model._default_manager.filter(pk=version.object_id).exists():
            # It was never deleted: a revert from its history is the way back, and is checked
            # against the newest save.
            raise PermissionDenied
        context = {"title": _("Recover %(name)s") % {"name": version.object_repr}, "recover": True}
        template = self.recover_form_template or self.history_templates("recover_form.html")
        return self.revert_view(request, version, template, {**context, **(extra_context or {})})

    def own_version(self, version_id, *, object_id=None):
        """The version `version_id` of this model (and of `object_id`, when given).

        Raises Http404 when there is no such version at all and PermissionDenied when it is
        another model's or another object's.
        """
        version = (
            Version.objects.get_for_model(self.model)
            .select_related("revision")
            .filter(pk=version_id)
            .first()
        )
        if version is None or (object_id is not None and version.object_id != str(object_id)):
            if version is None and not Version.objects.filter(pk=version_id).exists():
                raise Http404("No such version.")
            raise PermissionDenied
        return version

    def history_templates(self, name):
        opts = self.model._meta
        return [
            f"reversion/{opts.app_label}/{opts.model_name}/{name}",
            f"reversion/{opts.app_label}/{name}",
            f"reversion/{name}",
        ]

    def check_revert_permission(self, request, revision):
        """Raise PermissionDenied unless `request.user` may change every row `revision` would
        restore that exists now and add every one that does not."""
        wanted = {}
        for version in revision.version_set.select_related("content_type"):
            model = version.content_type.model_class()
            if model is None:  # a model that no longer exists cannot be restored
                raise PermissionDenied
            wanted.setdefault(model, set()).add(version.object_id)
        for model, object_ids in wanted.items():
            existing = model._default_manager.in_bulk(list(object_ids))
            model_admin = (
                self.admin_site.get_model_admin(model)
                if self.admin_site.is_registered(model)
                else None
            )
            for obj in existing.values():
                if not self.may(request, model, model_admin, "change", obj):
                    raise PermissionDenied
            if len(existing) < len(object_ids) and not self.may(
                request, model, model_admin, "add", None
            ):
                raise PermissionDenied

    @staticmethod
    def may(request, model, model_admin, action, obj):
        """Whether the user may `action` ("add" or "change") `obj` of `model`, as its admin
        decides, or by the model permission when it has no admin."""
        if model_admin is not None:
            if action == "add":
                return model_admin.has_add_permission(request)
            return model_admin.has_change_permission(request, obj)
        codename = get_permission_codename(action, model._meta)
        return request.user.has_perm(f"{model._meta.app_label}.{codename}")

    def revert_view(self, request, version, template_name, extra_context):
        """Restore `version`'s revision and show or save this object's form over it.

        Shown (GET), the restore is rolled back after rendering, with signals muted. Saved
        (POST with a valid form), it is kept as a new revision by the user; a form with errors
        is shown again and nothing is kept.
        """
        saving = request.method == "POST"
        signals = (
            nullcontext()
            if saving
            else mute_signals(pre_save, post_save, pre_delete, post_delete, m2m_changed)
        )
        try:
            with transaction.atomic(using=version.db), signals:
                self.check_revert_permission(request, version.revision)
                # Inside the new revision, so that each row restored is recorded in it.
                with self.create_revision(request):
                    counted = self.lock_save_counts(version.revision)
                    version.revision.revert(delete=False)
                    self.restore_save_counts(counted, viewed=(self.model, version.object_id))
                    reversion.add_meta(Revert, restored=version.revision)
                    response = self.changeform_view(
                        request, quote(version.object_id), request.path, extra_context
                    )
                    if saving and response.status_code == 302:
                        saved_on = localize(template_localtime(version.revision.date_created))
                        reversion.set_comment(
                            _("Reverted to previous version, saved on %(datetime)s")
                            % {"datetime": saved_on}
                        )
                    elif response.status_code == 200:
                        response.template_name = template_name
                        response.render()  # now, while the restored rows are still there
                        raise _ShownOnly(response)
                    else:
                        raise RevertError(f"Could not load {version.object_repr}.")
        except (RevertError, models.ProtectedError) as error:
            messages.error(request, str(error))
            opts = self.model._meta
            return redirect(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_changelist")
        except _ShownOnly as shown:
            return shown.response
        return response

    @staticmethod
    def lock_save_counts(revision):
        """Lock the rows of `revision` that count their saves, and return their live counts
        as {(model, object id): edit_version}."""
        counted = {}
        for version in revision.version_set.select_related("content_type"):
            model = version.content_type.model_class()
            if model is None or "edit_version" not in {f.name for f in model._meta.fields}:
                continue
            live = (
                model._default_manager.select_for_update()
                .filter(pk=version.object_id)
                .values_list("edit_version", flat=True)
                .first()
            )
            if live is not None:
                counted[(model, version.object_id)] = live
        return counted

    @staticmethod
    def restore_save_counts(counted, *, viewed):
        """Put back the live save counts a restore wound back. The row whose form is shown
        keeps its live count, so the form is checked against the newest save and its own save
        adds one; any other row the revision restored has changed, so it gets one more."""
        for (model, object_id), live in counted.items():
            number = live if (model, object_id) == viewed else live + 1
            model._default_manager.filter(pk=object_id).update(edit_version=number)
            if (model, object_id) != viewed and reversion.is_active():
                reversion.add_to_revision(model._default_manager.get(pk=object_id))


class _ShownOnly(Exception):
    """Carries a rendered revert form out of the transaction, which it rolls back."""

    def __init__(self, response):
        super().__init__()
        self.response = response
