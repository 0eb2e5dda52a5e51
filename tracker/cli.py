"""The `tracker` command: each subcommand parses its arguments, calls one library function
and renders the result. Imports happen inside commands so `tracker --help` stays fast.
Errors are one line on stderr and a non-zero exit; `--debug` shows tracebacks."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from tracker.errors import TrackerError

EXIT_ERROR = 1
EXIT_USAGE = 2


class TrackerGroup(click.Group):
    """Turns TrackerError (and a few OS errors) into one line on stderr."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """Usage errors too are one line (with the way to more help), not Click's usage block."""
        kwargs["standalone_mode"] = False
        try:
            result = super().main(*args, **kwargs)
        except click.UsageError as exc:
            if type(exc).__name__ == "NoArgsIsHelpError" and exc.ctx is not None:
                click.echo(exc.ctx.get_help())  # bare `tracker`: the overview, not an error
                sys.exit(0)
            where = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx else ""
            click.echo(f"error: {exc.format_message()}{where}", err=True)
            sys.exit(EXIT_USAGE)
        except click.ClickException as exc:
            click.echo(f"error: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("aborted", err=True)
            sys.exit(EXIT_ERROR)
        sys.exit(result if isinstance(result, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (TrackerError, OSError) as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            _fail(str(exc))
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except click.exceptions.Exit:
            raise
        except (click.ClickException, click.Abort):
            raise
        except Exception as exc:  # a bug: still one line, with the way to see more
            if ctx.obj and ctx.obj.get("debug"):
                raise
            _fail(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)")


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {' '.join(message.split())}", err=True)
    sys.exit(EXIT_ERROR)


@click.group(cls=TrackerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config", "config_path", metavar="FILE", help="TOML config (default: $TRACKER_CONFIG, ./tracker.toml)."
)
@click.option("--db", "db_path", metavar="FILE", help="DuckDB file; overrides [storage] path.")
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs.")
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Log lines for people, or one JSON object a line for log shippers.",
)
@click.version_option(package_name="virality-tracker")
@click.pass_context
def main(
    ctx: click.Context, config_path: str | None, db_path: str | None, debug: bool, log_format: str
) -> None:
    """Track how news articles and the posts around them spread across platforms."""
    from tracker.logs import configure

    configure(debug, json_lines=log_format == "json")
    ctx.ensure_object(dict)
    ctx.obj.update(config_path=config_path, db_path=db_path, debug=debug)


def _config(ctx: click.Context) -> Any:
    import dataclasses

    from tracker.service import load_config

    config = load_config(ctx.obj["config_path"])
    if ctx.obj.get("db_path"):
        config = dataclasses.replace(
            config, storage=dataclasses.replace(config.storage, path=ctx.obj["db_path"])
        )
    return config


def _own(ctx: click.Context, command: str) -> Any:
    """Own the store for the command (a context manager); StoreBusy names a live owner."""
    from tracker.owner.claim import own

    return own(_config(ctx), command)


def _announce_disabled(opened: Any) -> None:
    for disabled in opened.disabled:
        click.echo(f"note: {disabled.name} is off: {disabled.reason}", err=True)


def _connect(ctx: click.Context) -> Any:
    """A handle on the data, through `tracker run` when it owns the file (tracker.client)."""
    from tracker.client import connect

    return connect(_config(ctx))


@main.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create the DuckDB file (or upgrade it) and apply the SQL interface."""
    from tracker import migrations
    from tracker.store import Store

    config = _config(ctx)
    with Store.open(config.db_path) as store:
        rows = migrations.status(store.cursor())
    click.echo(f"{config.db_path}: ready ({len(rows)} migrations applied)")


@main.command()
@click.option(
    "--status", "show_status", is_flag=True, help="List applied and pending migrations; change nothing."
)
@click.pass_context
def migrate(ctx: click.Context, show_status: bool) -> None:
    """Apply pending schema migrations (or list them)."""
    import duckdb

    from tracker import migrations
    from tracker.store import Store

    config = _config(ctx)
    if show_status:
        if not config.db_path.exists():
            _fail(f"no database at {config.db_path}")
        con = duckdb.connect(str(config.db_path), read_only=True)
        try:
            for name, state in migrations.status(con):
                click.echo(f"{name}  {state}")
        finally:
            con.close()
        return
    with Store.open(config.db_path) as store:
        click.echo(f"{config.db_path}: {len(migrations.status(store.cursor()))} migrations applied")


@main.command()
@click.argument("urls", nargs=-1)
@click.option(
    "--from-file",
    "from_file",
    type=click.File("r", encoding="utf-8", errors="surrogateescape"),
    help="Also track the URLs in this file, one per line (- for stdin; blank lines and # comments skipped).",
)
@click.pass_context
def track(ctx: click.Context, urls: tuple[str, ...], from_file: Any) -> None:
    """Track article URLs or platform post URLs (X, YouTube, Reddit, HN, Bluesky, Mastodon ...).

    Many URLs are tracked in bulk (one transaction per 1,000); each bad URL is reported on its
    own line and the command exits 1 if any failed."""
    given = list(urls)
    if from_file is not None:
        given += [line.strip() for line in from_file if line.strip() and not line.lstrip().startswith("#")]
    if not given:
        _fail("give the URLs to track as arguments or with --from-file FILE (- for stdin)")
    with _connect(ctx) as db:
        rows = db.track(given, _track_progress if len(given) > 1_000 else None)
    for row in rows:
        if row.error:
            click.echo(f"error: {row.url}: {row.error}", err=True)
            continue
        what = f"{row.platform} item {row.key}" if row.kind == "item" else "article"
        state = "now tracking" if row.created else "already tracked"
        click.echo(f"{state}: {what}  {row.url}")
        if row.note:
            click.echo(f"note: {row.note}", err=True)
    failed = sum(bool(row.error) for row in rows)
    if len(rows) > 1:
        created = sum(row.created for row in rows)
        click.echo(
            f"{len(rows):,} URLs: {created:,} now tracked, {len(rows) - created - failed:,} already tracked, "
            f"{failed:,} failed",
            err=True,
        )
    if failed:
        ctx.exit(1)


def _track_progress(done: int, total: int) -> None:
    click.echo(f"tracked {done:,} of {total:,} URLs", err=True)


@main.command()
@click.argument("urls", nargs=-1, required=True)
@click.pass_context
def untrack(ctx: click.Context, urls: tuple[str, ...]) -> None:
    """Stop sampling articles or posts. Their history stays queryable."""
    with _connect(ctx) as db:
        changed = db.untrack(list(urls))
    click.echo(f"untracked ({changed} article or item rows changed)")


def _read(ctx: click.Context, name: str, **params: Any) -> Any:
    with _connect(ctx) as db:
        return db.named(name, **params)


def _emit(frame: Any, fmt: str, output: str | None = None) -> None:
    from tracker import render

    if fmt == "parquet":
        if not output:
            _fail("--format parquet needs --output FILE")
        Path(output).write_bytes(render.parquet_bytes(frame))
        click.echo(f"wrote {frame.height} rows to {output}", err=True)
        return
    text = render.as_text(frame, fmt)
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


FORMAT_OPTION = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json", "parquet"]),
    default="table",
    show_default=True,
)


@main.command(name="list")
@click.option("--platform", help="Only items of this platform.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 100_000))
@FORMAT_OPTION
@click.pass_context
def list_cmd(ctx: click.Context, platform: str | None, limit: int, fmt: str) -> None:
    """List tracked articles and items with their latest interactions."""
    frame = _read(ctx, "tracked", platform=platform, limit=limit)
    _emit(frame, fmt)
    if frame.height == limit:
        click.echo(f"(showing the newest {limit}; --limit N shows more)", err=True)


@main.command()
@FORMAT_OPTION
@click.pass_context
def status(ctx: click.Context, fmt: str) -> None:
    """Collector health per platform: state, last success and error, error rate, budget used,
    due and overdue items (the Health page's query)."""
    from tracker.client import connect

    config = _config(ctx)
    with connect(config) as db:
        frame = db.named("health", as_of=None)
        click.echo(f"store: {config.db_path} ({db.state})", err=True)
    if fmt == "table":
        from datetime import UTC, datetime

        from tracker.health_report import report

        click.echo(report(frame, datetime.now(UTC)), nl=False)
        return
    _emit(frame, fmt)


@main.command()
@click.option("--window", default="24h", show_default=True, help="Window: 1h, 6h, 24h, 7d ...")
@click.option("--platform", help="Only interactions on this platform.")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000))
@FORMAT_OPTION
@click.pass_context
def top(ctx: click.Context, window: str, platform: str | None, limit: int, fmt: str) -> None:
    """Most Popular: articles ranked by interactions gained in the window."""
    from tracker.windows import parse_window

    _check_platform(platform)
    seconds = int(parse_window(window).total_seconds())
    frame = _read(
        ctx, "most_popular", win=f"{seconds} seconds", platform=platform or "", limit=limit, as_of=None
    )
    _emit(
        frame.select("rank", "title", "interactions", "views", "total_interactions", "platforms", "url"), fmt
    )


@main.command()
@click.option("--platform", help="Only interactions on this platform.")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000))
@FORMAT_OPTION
@click.pass_context
def trending(ctx: click.Context, platform: str | None, limit: int, fmt: str) -> None:
    """Trending: what is rising right now (the `trending()` macro), with the inputs of its score."""
    _check_platform(platform)
    frame = _read(ctx, "trending_now", platform=platform or "", limit=limit, as_of=None)
    _emit(frame.drop([c for c in ("article_id", "site", "section") if c in frame.columns]), fmt)


def _check_platform(platform: str | None) -> None:
    if platform is None:
        return
    from tracker import registry

    known = registry.load()
    if platform not in known:
        _fail(f"unknown platform {platform!r}; known: {', '.join(known)}")


@main.command()
@click.argument("name", required=False)
@click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE", help="A parameter (repeatable).")
@FORMAT_OPTION
@click.option("--output", "-o", metavar="FILE", help="Write to a file (required for parquet).")
@click.pass_context
def query(
    ctx: click.Context, name: str | None, params: tuple[str, ...], fmt: str, output: str | None
) -> None:
    """Run a canned query from sql/queries by NAME (without NAME: list them and their parameters).

    Parameters are checked against the query's documented header: unknown ones are refused,
    required ones asked for, and each value must have the declared type.
    """
    from tracker import canned

    if name is None:
        import polars as pl

        _emit(pl.DataFrame(canned.listing()).select("name", "params", "title"), fmt, output)
        return
    given: dict[str, str] = {}
    for pair in params:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            _fail(f"--param takes KEY=VALUE, got {pair!r}")
        given[key.strip()] = value
    with _connect(ctx) as db:
        frame = db.query(name, given)
    _emit(frame, fmt, output)


@main.command()
@click.pass_context
def shell(ctx: click.Context) -> None:
    """An interactive read-only SQL prompt over the public views and macros (history, Tab completion)."""
    from tracker.shell import Shell

    with _connect(ctx) as db:
        Shell(db.sql, where=db.state).loop()


@main.command()
@click.pass_context
def check(ctx: click.Context) -> None:
    """Check the configuration and the store: every audit in sql/audits must find nothing."""
    from tracker import sqlfiles

    config = _config(ctx)  # a bad config fails here, in one line
    click.echo(f"config: ok ({config.source})")
    failed = 0
    with _connect(ctx) as db:
        for file in sqlfiles.folder("audits"):
            rows = db.sql(file.text)
            name = file.name.removeprefix("audits/")
            if rows.is_empty():
                click.echo(f"audit {name}: ok")
            else:
                failed += 1
                click.echo(f"audit {name}: {rows.height} offending rows — {file.meta.get('description', '')}")
                _emit(rows.head(10), "table")
    if failed:
        _fail(f"{failed} audit(s) found problems")


@main.command()
@click.argument("query")
@FORMAT_OPTION
@click.option("--output", "-o", metavar="FILE", help="Write to a file (required for parquet).")
@click.pass_context
def sql(ctx: click.Context, query: str, fmt: str, output: str | None) -> None:
    """Run one read-only SQL query against the public views and macros.

    Goes through `tracker run` when it owns the file, else opens the file read-only.
    """
    with _connect(ctx) as db:
        frame = db.sql(query)
    _emit(frame, fmt, output)


@main.command()
@click.option("--platform", "platforms", multiple=True, help="Only this platform (repeatable).")
@click.option(
    "--once",
    is_flag=True,
    help="One full pass, then exit: discovery, share search, and every tracked item sampled once "
    "(in rounds of round_max_items until none is left; a platform stops early when it throttles "
    "or a whole round fails).",
)
@click.pass_context
def collect(ctx: click.Context, platforms: tuple[str, ...], once: bool) -> None:
    """Collect engagement: one pass with --once, else run the scheduler without dashboards."""
    from tracker.service import collect_once

    with _own(ctx, "collect --once" if once else "collect") as owned:
        opened = owned.opened
        _announce_disabled(opened)
        if once:
            results = collect_once(opened, list(platforms) or None, progress=_progress)
            errors = sum(r.errors for r in results)
            sampled = sum(r.items for r in results if r.kind == "sample")
            click.echo(f"done: {sampled} items sampled, {errors} errors", err=True)
            _exit_if_nothing_succeeded(results)
            return
        _run_until_signal(owned, web=None)


def _progress(result: Any) -> None:
    if result.status == "idle":
        return
    parts = [
        f"{result.platform:<11} {result.kind:<8} {result.status:<12}",
        f"items={result.items}",
        f"found={result.discovered}",
        f"requests={result.requests}",
        f"errors={result.errors}",
    ]
    click.echo("  ".join(parts), err=True)
    for message in result.messages[:3]:
        click.echo(f"    {message}", err=True)


@main.command()
@click.pass_context
def discover(ctx: click.Context) -> None:
    """One discovery pass: feeds, sitemaps, WordPress, trend lists, front pages."""
    from tracker.runner import discover_round

    with _own(ctx, "discover") as owned:
        _announce_disabled(owned.opened)
        results = []
        for name in owned.opened.collection.active:
            results.append(discover_round(owned.opened.collection, name))
            _progress(results[-1])
        _exit_if_nothing_succeeded(results)


def _exit_if_nothing_succeeded(results: list[Any]) -> None:
    """Exit non-zero when rounds had work to do and none of them succeeded (every one failed,
    was throttled or skipped): a script or cron job must notice, not read 'done'."""
    attempted = [r for r in results if r.status != "idle"]
    if attempted and not any(r.status in ("ok", "partial") for r in attempted):
        click.echo(f"error: none of the {len(attempted)} rounds succeeded", err=True)
        sys.exit(EXIT_ERROR)


@main.command()
@click.option("--host", help="Listen address (default from [server]).")
@click.option("--port", type=int, help="Port (default from [server]).")
@click.pass_context
def run(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Own the store: run the collection daemon, the dashboards and the query API."""
    with _own(ctx, "run") as owned:
        _announce_disabled(owned.opened)
        server = owned.opened.collection.config.server
        _run_until_signal(owned, web=(host or server.host, port if port is not None else server.port))


def _run_until_signal(owned: Any, web: tuple[str, int] | None) -> None:
    """Own the file until a signal; with `web`, the dashboards (passed in: the core never
    imports them) and the API listen there, else only the API, on a free loopback port."""
    from tracker.owner.process import serve

    app_factory = None
    if web is not None:
        from dashboards import create_app

        app_factory = create_app
    stuck = serve(
        owned,
        web,
        announce=lambda line: click.echo(line, err=True),
        progress=_progress,
        app_factory=app_factory,
    )
    if stuck:  # rounds blocked on a silent upstream: committed data is safe, do not wait for them
        sys.stderr.flush()
        os._exit(0)


@main.command()
@click.option(
    "--output",
    "-o",
    metavar="PATH",
    help="Folder for snapshots (default from [storage]); file with --window.",
)
@click.option("--window", help="Export the samples of this window (1h, 24h, 7d ...) as one file instead.")
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet"]), default="csv", show_default=True)
@click.pass_context
def export(ctx: click.Context, output: str | None, window: str | None, fmt: str) -> None:
    """Write Parquet snapshots of the public tables and views, or with --window a time series file.

    Timestamps are UTC whatever the machine's time zone.
    """
    from tracker import export as export_mod
    from tracker.store import Store

    config = _config(ctx)
    if window is not None:
        _export_window(ctx, config, window, fmt, output)
        return
    folder = Path(output) if output else config.export_dir
    from tracker.owner import lock

    if lock.current(config.db_path) is not None:
        _fail(
            "`tracker run` owns the store and refreshes the export itself; "
            f"see {config.export_dir} (every {config.storage.export_every_s:g}s)"
        )
    with Store.open(config.db_path, read_only=True) as store:
        for path in export_mod.to_parquet(store, folder):
            click.echo(str(path))


def _export_window(ctx: click.Context, config: Any, window: str, fmt: str, output: str | None) -> None:
    """A window's samples: streamed with a progress bar from the file, or through `tracker run`."""
    from datetime import UTC, datetime

    from tracker import export as export_mod
    from tracker.owner import lock
    from tracker.store import Store
    from tracker.windows import parse_window

    until = datetime.now(UTC)
    since = until - parse_window(window)
    out = Path(output or f"samples-{window}.{fmt}")
    if lock.current(config.db_path) is not None:  # the owner holds the file: ask it
        with _connect(ctx) as db:
            frame = db.query("export_series", {"since": since.isoformat(), "until": until.isoformat()})
        if fmt == "parquet":
            frame.write_parquet(out)
        else:
            frame.write_csv(out)
        click.echo(f"wrote {frame.height} samples to {out}", err=True)
        return
    with (
        Store.open(config.db_path, read_only=True) as store,
        click.progressbar(length=1, label=f"exporting {window}", file=sys.stderr, show_pos=True) as bar,
    ):

        def progress(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        n = export_mod.series(store, since, until, out, fmt, progress)
    click.echo(f"wrote {n} samples to {out}", err=True)


@main.group(name="alerts")
def alerts_group() -> None:
    """Alert rules: an article gains N interactions in an hour, or enters the top K of Trending."""


@alerts_group.command(name="test")
@click.option("--rule", help="Only this rule (default: every configured rule).")
@click.pass_context
def alerts_test(ctx: click.Context, rule: str | None) -> None:
    """Send a sample message to each rule's webhook now, and say which worked."""
    from tracker.alerts.engine import rule_states, send_test
    from tracker.clock import SystemClock
    from tracker.secrets import Redactor

    config = _config(ctx)
    if not config.alerts.rules:
        _fail("no alert rules configured; add [[alerts.rules]] to the config (see tracker.example.toml)")
    dashboard = config.alerts.dashboard_url or f"http://{config.server.host}:{config.server.port}"
    redactor = Redactor()
    states = rule_states(config.alerts, redactor)
    failed = 0
    for name, error in send_test(states, dashboard, SystemClock(), redactor, rule):
        click.echo(f"{name}: {'sent' if error is None else 'failed: ' + error}")
        failed += error is not None
    if failed:
        sys.exit(EXIT_ERROR)


@main.group(name="config")
def config_group() -> None:
    """Inspect the configuration."""


@config_group.command(name="show")
@click.pass_context
def config_show(ctx: click.Context) -> None:
    """Print the effective configuration (credentials shown only as env-var names and set/unset)."""
    from tracker.config_view import render_effective

    click.echo(render_effective(_config(ctx)), nl=False)


@main.group(name="forecast")
def forecast_group() -> None:
    """Forecasts of where each story is heading (the `forecasts` view; docs/accuracy.md)."""


@forecast_group.command(name="fit")
@click.option(
    "--horizon-h", type=click.FloatRange(min=0, min_open=True), help="Override [forecast] horizon_h."
)
@click.pass_context
def forecast_fit(ctx: click.Context, horizon_h: float | None) -> None:
    """Refit the models from finished curves now and renew every young story's forecast."""
    import dataclasses
    from datetime import UTC, datetime

    from tracker.forecast import fit

    config = _config(ctx)
    settings = (
        config.forecast if horizon_h is None else dataclasses.replace(config.forecast, horizon_h=horizon_h)
    )
    # Refused in one line while `tracker run` owns the file: it refits on its own schedule.
    with _own(ctx, "forecast fit") as owned:
        report = fit.run(owned.opened.collection.store, settings, datetime.now(UTC))
    for line in report.lines:
        click.echo(line)
    click.echo(
        f"{report.forecasts} forecasts written ({report.fitted} fitted models, {report.priors} on the prior)"
    )


@main.command()
@click.pass_context
def collectors(ctx: click.Context) -> None:
    """Every registered platform: batch size, rate limit, credentials, ready or not."""
    from tracker.config_view import render_collectors

    click.echo(render_collectors(_config(ctx)), nl=False)


@main.command()
@click.option("--port", default=8765, show_default=True, help="Port on 127.0.0.1 (0 = any free port).")
@click.option("--articles", default=300, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--speed", default=60.0, show_default=True, help="Simulated seconds per real second.")
@click.option("--seed", default=7, show_default=True)
@click.option("--faults", default="", help='Random faults, e.g. "429=0.02,503=0.01,latency=0.2".')
def simulate(port: int, articles: int, speed: float, seed: int, faults: str) -> None:
    """Serve the simulated social web (every platform's API shapes) on 127.0.0.1."""
    from tracker.simweb.server import SimConfig, SimServer
    from tracker.simweb.snippet import config_snippet

    try:
        sim = SimServer(SimConfig(n_articles=articles, seed=seed, speed=speed, faults=faults), port=port)
    except ValueError as exc:
        _fail(str(exc))
    click.echo(
        f"simulated social web on {sim.url} (Ctrl-C to stop); point the tracker at it with:\n", err=True
    )
    click.echo(config_snippet(sim))
    with contextlib.suppress(KeyboardInterrupt):
        sim.serve_forever()


@main.command()
@click.option("--port", default=8050, show_default=True, help="Dashboard port.")
@click.option("--articles", default=300, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--speed", default=60.0, show_default=True, help="Simulated seconds per real second.")
@click.option("--fresh/--keep", default=True, show_default=True, help="Start from an empty demo database.")
@click.pass_context
def demo(ctx: click.Context, port: int, articles: int, speed: float, fresh: bool) -> None:
    """Simulated social web + daemon + dashboard on one DuckDB file (what `make demo` runs)."""
    from dashboards import create_app
    from tracker.demo import run_demo

    db = Path(ctx.obj.get("db_path") or "data/demo.duckdb")
    run_demo(
        db,
        port=port,
        articles=articles,
        speed=speed,
        fresh=fresh,
        announce=lambda line: click.echo(line, err=True),
        progress=_progress,
        app_factory=create_app,
    )


if __name__ == "__main__":  # pragma: no cover
    main()
