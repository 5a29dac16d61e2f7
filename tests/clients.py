"""Test clients signed in as a user: one helper for every test that needs one."""

from django.test import Client


def logged_in(client, user):
    """`client`, signed in as `user`."""
    client.force_login(user)
    return client


def client_for(user):
    """A new client signed in as `user` (for tests that act as several users at once)."""
    return logged_in(Client(), user)
