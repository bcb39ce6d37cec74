"""Casebook: the SDG 11 Alliance's library of city case studies and their lessons."""
from __future__ import annotations

from flask import Flask

from . import config, db, errors, gazetteer, i18n, logs, serving
from .search import SearchEngine


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True,
                template_folder=str(config.template_folder()))
    app.config.from_mapping(config.from_environment(app.instance_path, test_config or {}))

    logs.init_app(app)  # first: every later hook's log lines carry the request id
    db.init_app(app)
    serving.init_app(app)  # before sign-in: loading a member needs a ready database
    i18n.init_app(app)
    app.extensions["casebook.search"] = SearchEngine(app.config["INDEX_DIR"], facet_values={"city": gazetteer.city_key})

    from . import auth, cli, forms, limits, security
    from .rendering import render_markdown
    from .views import admin, api, contribute, health, mailprefs, pages, people, profile, proposals, search
    from .views import auth as auth_views
    from .views.urls import page_url, search_url, toggle_filter_url

    app.jinja_env.globals.update(render_markdown=render_markdown, page_url=page_url,
                                 viewing_as_public=auth.viewing_as_public, current_member=auth.current_member,
                                 search_url=search_url, toggle_filter_url=toggle_filter_url)
    security.init_app(app)
    errors.init_app(app)
    forms.init_app(app)
    limits.init_app(app, auth_views.bp)
    auth.init_app(app)
    cli.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(auth_views.bp)
    app.register_blueprint(profile.bp)
    app.register_blueprint(mailprefs.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(contribute.bp)
    from .views import library as library_views
    app.register_blueprint(library_views.bp)
    app.register_blueprint(proposals.bp)
    from .views import follow_ups as follow_up_views
    app.register_blueprint(follow_up_views.bp)
    app.register_blueprint(people.bp)
    from .views import saved_searches as saved_search_views
    app.register_blueprint(saved_search_views.bp)
    from .views import inbox as inbox_views
    app.register_blueprint(inbox_views.bp)
    from .views import meetings as meeting_views
    app.register_blueprint(meeting_views.bp)
    from .views import feeds as feed_views
    app.register_blueprint(feed_views.bp)
    from .views import info as info_views
    app.register_blueprint(info_views.bp)
    app.register_blueprint(health.bp)
    serving.prepare(app)
    return app
