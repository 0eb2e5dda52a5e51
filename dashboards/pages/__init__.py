"""One module per page. Each has `layout(data, refresh_s, ...)`, a function so the page is built
from fresh data on every visit, and `register(app, data)` wiring its refresh callbacks."""
