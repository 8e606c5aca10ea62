"""The web layer: request pipeline, rendering, and the core's pages."""
