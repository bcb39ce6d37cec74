"""Blueprints: parse the request, call a service, render. Nothing here touches models or Whoosh."""
