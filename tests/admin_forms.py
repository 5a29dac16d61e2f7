"""Admin change forms as a browser posts them."""


def change_form_data(response):
    """The POST data of the change form on a page, as a browser would send it."""
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, list | tuple):
            data[name] = [str(item) for item in value]
        elif value is not None:
            data[name] = value
    return data
