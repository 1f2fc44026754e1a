"""The public web pages: catalogue, dataset (release) pages and SDG indicator pages.

Server-rendered HTML (Jinja2) in English and Swahili (gettext catalogues under ``locale/``),
usable without JavaScript, with charts drawn as inline SVG and a table beside each.
``pages.install(app)`` serves them; ``views`` gathers their data from the services.
"""
