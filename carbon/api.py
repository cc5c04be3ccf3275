"""The Python front door: `Carbon`, one object with a method for every task the CLI runs.

    from carbon import Carbon

    with Carbon.open("sqlite:///carbon.db") as co2:
        co2.add_team("Platform")
        co2.import_activities("activities.csv")
        report = co2.monthly_report("2026-10")

Every `carbon` command calls one of these methods and renders what it returns
(tests/test_api.py maps each command to its method). The methods return the library's
records (carbon.model and the rule modules) and raise the errors of carbon.errors; they never
print and never name a command-line flag. Each method imports the modules it needs when it is
called, so `import carbon` stays light (docs/architecture.md).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from carbon.store import Store


class Carbon:
    """An open carbon database and the tasks run on it. Open with `Carbon.open(url)`."""

    def __init__(self, store: "Store"):
        self.store = store

    @classmethod
    def open(cls, url: str | None = None) -> "Carbon":
        """Open (and on first use create or migrate) the database at `url`; default: $CARBON_DB,
        else sqlite:///carbon.db in the current directory."""
        from carbon.store import Store

        return cls(Store.open(url))

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> "Carbon":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- teams ---------------------------------------------------------------------------------
    def add_team(self, name: str) -> None:
        from carbon import importer

        importer.add_team(self.store, name)

    def teams(self) -> list:
        from carbon.store import team_history

        return team_history.list_teams(self.store)

    def rename_team(self, old: str, new: str) -> None:
        from carbon.store import team_history

        team_history.rename(self.store, old, new)

    def retire_team(self, name: str, from_month: str) -> None:
        from carbon.store import team_history

        team_history.retire(self.store, name, from_month)

    # -- access tokens (carbon serve) -----------------------------------------------------------
    def add_token(self, name: str, team: str | None = None) -> str:
        """A new access token (for `team` only, else every team): returned once, stored hashed."""
        from carbon import token_service

        return token_service.add(self.store, name, team)

    def tokens(self) -> list:
        from carbon import token_service

        return token_service.listed(self.store)

    def revoke_token(self, name: str) -> None:
        from carbon import token_service

        token_service.revoke(self.store, name)

    def check_token(self, token: str):
        """The token's record (name, team), or None for a token that does not exist."""
        from carbon import token_service

        return token_service.check(self.store, token)

    def web_app(self, local: bool, scenarios: tuple = ()):
        """The ASGI application of `carbon serve` over this database. `local`: bound to
        127.0.0.1, where no token is needed while none exists; otherwise at least one token must
        exist (InputError) and every request needs one. `scenarios`: the config's scenario files,
        read (`carbon.config.load(...).scenarios`), for the /scenarios page."""
        from carbon.serve.app import build_app

        return build_app(self, local=local, scenarios=scenarios)

    def scenarios_at(self, scenarios: tuple, month: str) -> tuple:
        """Each read scenario run with the months recorded up to `month` (as the pack's levers
        section); one that cannot be computed carries its reason."""
        from carbon import scenario_run

        return scenario_run.for_pack(self.store, scenarios, month)

    def data_version(self) -> int:
        """A number that grows with every committed change to the database."""
        return self.store.data_version()

    # -- imports -------------------------------------------------------------------------------
    def _fed(self, options: dict, run):
        """Run an import; with options["feed"], the feed is checked first (an unknown one writes
        nothing) and the import is attributed to it."""
        feed = options.pop("feed", None)
        if feed is None:
            return run()
        from carbon import feed_service

        feed_service.require_feed(self.store, feed)
        result = run()
        done = result[0] if isinstance(result, tuple) else getattr(result, "outcome", result)
        feed_service.attribute(self.store, done.batch.id, feed)
        return result

    def import_activities(self, path: Path | str, **options: Any):
        """Options: source, replace, create_teams, default_region, progress, on_start, checks, prefer_source,
        feed (every import method takes `feed`: the declared feed the import is attributed to)."""
        from carbon import importer

        return self._fed(options, lambda: importer.import_activities(self.store, path, **options))

    def import_survey(self, path: Path | str, first: str, last: str, **options: Any):
        from carbon import importer

        return self._fed(options, lambda: importer.import_survey(self.store, path, first, last, **options))

    def import_flights(self, path: Path | str, **options: Any):
        from carbon import importer

        return self._fed(options, lambda: importer.import_flights(self.store, path, **options))

    def import_factors(self, path: Path | str, **options: Any):
        from carbon import importer

        return importer.import_factors(self.store, path, **options)

    def import_cloud_billing(self, path: Path | str, provider: str, rules: Path | str, **options: Any):
        from carbon.cloud import importer as cloud

        return self._fed(options, lambda: cloud.import_cloud_billing(self.store, path, provider, rules, **options))

    def import_ccf_estimates(self, path: Path | str, rules: Path | str, **options: Any):
        from carbon.cloud import ccf_estimates

        return self._fed(options, lambda: ccf_estimates.import_ccf_estimates(self.store, path, rules, **options))

    def import_metrics(self, path: Path | str, **options: Any):
        from carbon import metric_imports

        return self._fed(options, lambda: metric_imports.import_metrics(self.store, path, **options))

    def import_energy_attributes(self, path: Path | str, **options: Any):
        """Contractual instruments for market-based scope 2. Options: source, replace."""
        from carbon import energy_imports

        return self._fed(options, lambda: energy_imports.import_energy_attributes(self.store, path, **options))

    def scope2(self, first_month: str, last_month: str, team: str | None = None):
        """Scope 2 location- and market-based per (team, month): {(team, month): carbon.scope2.Scope2}."""
        from carbon import scope2_view

        with self.store.engine.connect() as conn:
            return scope2_view.figures(conn, first_month, last_month, team)

    def year_report(self, year: int, today: date | None = None):
        """The annual inventory of `year` (carbon.year_report.YearReport, kg CO2e), counted
        through the last month over as of `today` (default: the date)."""
        from carbon import year_report

        return year_report.year_report(self.store, year, today)

    def disclosure(self, year: int, framework: str, *, base_year: int | None = None,
                   as_of: date | None = None):
        """A year's disclosure (carbon.disclosure.Disclosure) in `framework`: esrs-e1, ghgp, beges."""
        from carbon import disclosure_service

        return disclosure_service.build(self.store, year, framework, as_of=as_of, base_year=base_year)

    def import_spend(self, path: Path | str, **options: Any):
        """Import a spend file as purchases (carbon.spend states the arithmetic); an ImportOutcome."""
        from carbon import spend_import

        return self._fed(options, lambda: spend_import.import_spend(self.store, path, **options))

    def import_video(self, path: Path | str, mapping: Path | str, **options: Any):
        from carbon import video_import

        return self._fed(options, lambda: video_import.import_video(self.store, path, mapping, **options))

    def remove_import(self, batch_id: int, **options: Any):
        from carbon import importer

        return importer.remove(self.store, batch_id, **options)

    def months(self) -> list[str]:
        """The months with ledger data, oldest first."""
        from carbon import importer

        return importer.months(self.store)

    def imports(self):
        """Every import batch, the months each one covers, and the closed periods."""
        from carbon.store import locks

        found = self.store.list_batches()
        with self.store.engine.connect() as conn:
            return found, locks.all_batch_months(conn), locks.list_locks(conn, active_only=True)

    def load_demo(self):
        """Load the sample company (refuses a database that holds other data): (name, outcome)."""
        from carbon.demo import loader

        return loader.load(self.store)

    # -- factors -------------------------------------------------------------------------------
    def factor_table(self):
        from carbon import importer

        return importer.factor_table(self.store)

    # -- reports -------------------------------------------------------------------------------
    def monthly_report(self, month: str, team: str | None = None, today: date | None = None):
        from carbon import ledger

        return ledger.monthly_report(self.store, month, team, today)

    def month_series(self, first_month: str, last_month: str, team: str | None = None) -> dict[str, float]:
        """kg CO2e per month with data from `first_month` to `last_month` (of `team`, else the
        company): the monthly reports' totals, in one query."""
        from carbon import ledger

        return ledger.month_series(self.store, first_month, last_month, team)

    def month_activities(self, month: str, team: str | None = None) -> list[tuple[str, float]]:
        """(activity, kg CO2e) of a month, biggest first (of `team`, else the company)."""
        from carbon import ledger

        return ledger.month_activities(self.store, month, team)

    def month_sources(self, month: str, team: str | None = None) -> list[dict]:
        from carbon import ledger

        return ledger.month_sources(self.store, month, team)

    def build_pack(self, month: str, out_dir: Path | str, **options: Any):
        from carbon import pack

        return pack.build(self.store, month, out_dir, **options)

    def verify_pack(self, folder: Path | str):
        """Replay the pack in `folder` against the database (a verify.Verification)."""
        from carbon import verify

        return verify.verify(self.store, folder)

    # -- feeds and completeness ----------------------------------------------------------------
    def add_feed(self, name: str, kind: str, *, provider: str | None = None, teams: tuple[str, ...] = (),
                 categories: tuple[str, ...] = (), source: str | None = None, cadence: str = "monthly",
                 first_month: str | None = None):
        """Declare a data feed a complete month needs (carbon.model.Feed; docs/feeds.md)."""
        from carbon import feed_service
        from carbon.model import Feed

        return feed_service.add_feed(self.store, Feed(name, kind, provider, tuple(teams), tuple(categories),
                                                      source, cadence, first_month))

    def declare_config_feeds(self, config) -> list[str]:
        """Declare the config's [feeds.NAME] not declared yet (a declared name is kept as it is);
        the names declared."""
        from carbon import feed_service

        return feed_service.sync_feeds(self.store, config.feeds)

    def feeds(self) -> list:
        """The declared feeds (carbon.model.Feed), by name."""
        from carbon import feed_service

        return feed_service.list_feeds(self.store)

    def remove_feed(self, name: str) -> int:
        """Remove a declared feed; the number of imports that were attributed to it."""
        from carbon import feed_service

        return feed_service.remove_feed(self.store, name)

    def feeds_status(self, month: str | None = None):
        """Feeds × months (carbon.completeness.FeedMatrix); with `month`, that month only."""
        from carbon import feed_service

        return feed_service.matrix(self.store, month)

    def completeness(self, month: str):
        """Whether `month` is complete (carbon.completeness.Completeness): each feed's state."""
        from carbon import feed_service

        return feed_service.completeness(self.store, month)

    def year_completeness(self, year: int, before: date | None = None) -> list:
        """The incomplete months of `year` (with `before`: only those ended by that day)."""
        from carbon import feed_service

        return feed_service.year_incomplete(self.store, year, before)

    # -- budgets -------------------------------------------------------------------------------
    def load_budget(self, path: Path | str, replace: bool = False, restate=None):
        from carbon import budget_service

        return budget_service.load_file(self.store, path, replace=replace, restate=restate)

    def budget_plan(self, year: int):
        """The stored budget plan of `year` (NotFound when none is loaded) and the team names."""
        from carbon.store import budgets

        with self.store.engine.connect() as conn:
            return budgets.require_plan(conn, year), list(self.store.team_ids(conn))

    def propose_budget(self, year: int, *, base_year: int, target: str, teams_by: str = "base",
                       today: date | None = None):
        """A budget year proposed from a reduction target (a budget_target.Proposal); writes nothing."""
        from carbon import budget_service

        return budget_service.propose(self.store, year, base_year, target, teams_by, today)

    def budget_status(self, month: str, team: str | None = None, today: date | None = None):
        from carbon import budget_service

        return budget_service.status_at(self.store, month, team, today)

    def budget_check(self, month: str, warn_at: float):
        """The status at `month` and its alert verdict: (exit code, alerts)."""
        from carbon import budget_service
        from carbon import budgets as rules

        rep = budget_service.status_at(self.store, month)
        return rep, rules.alerts(rep, warn_at)

    # -- prices and donations ------------------------------------------------------------------
    def import_prices(self, path: Path | str, source: str | None = None):
        from carbon import price_service

        return price_service.import_file(self.store, path, source)

    def prices(self) -> list:
        from carbon import price_service

        return price_service.all_prices(self.store)

    def donation(self, year: int, *, as_of: date, **options: Any):
        from carbon import donation_service

        return donation_service.donation_view(self.store, year, as_of=as_of, **options)

    def close_donation(self, year: int, *, as_of: date, allow_incomplete: bool = False,
                       incomplete_reason: str | None = None, by: str | None = None, **options: Any):
        """Sign off a year's donation. A year with an incomplete month (a data feed missing or
        partial) is refused (carbon.completeness.Incomplete) unless `allow_incomplete` with an
        `incomplete_reason`, recorded with who (`by`, else the OS user) and what was missing."""
        from carbon import donation_service, feed_service
        from carbon.completeness import Incomplete
        from carbon.locks import current_user

        found = feed_service.year_incomplete(self.store, year, as_of)
        if found and not allow_incomplete:
            raise Incomplete(f"{year} has incomplete months: {feed_service.summary(found)}; import the missing "
                             "data, or close anyway with --allow-incomplete --reason TEXT (recorded)", found)
        if found and not (incomplete_reason or "").strip():
            raise Incomplete("--allow-incomplete needs --reason TEXT: why the year is closed with "
                             f"incomplete months ({feed_service.summary(found)})", found)
        result = donation_service.close_year(self.store, year, as_of=as_of, **options)
        if found:
            feed_service.record_override(self.store, f"donation close {year}", found, incomplete_reason or "",
                                         current_user(by))
        return result

    def donation_history(self, as_of: date, year: int | None = None) -> list:
        from carbon import donation_service

        return donation_service.history(self.store, as_of, year)

    # -- periods -------------------------------------------------------------------------------
    def close_month(self, month: str, **options: Any):
        from carbon import period_service

        return period_service.close_month(self.store, month, **options)

    def periods(self):
        """Every closing of a period, and every restatement of a closed one."""
        from carbon.store import locks

        with self.store.engine.connect() as conn:
            return locks.list_locks(conn), locks.list_restatements(conn)

    def reopen_month(self, month: str, *, reason: str, by: str | None = None):
        from carbon import period_service

        return period_service.reopen_month(self.store, month, reason=reason, by=by)

    # -- metrics, scenarios ----------------------------------------------------------------------
    def define_metric(self, name: str, year_rule: str, label: str | None = None):
        from carbon import metric_imports

        return metric_imports.define(self.store, name, year_rule, label)

    def metrics(self) -> list:
        """The declared metrics: (definition, value count, first month, last month)."""
        from carbon.store import metrics

        with self.store.engine.connect() as conn:
            return metrics.summary(conn)

    def intensity_for_month(self, report):
        from carbon import intensity

        return intensity.for_month(self.store, report)

    def intensity(self, year: int, team: str | None = None):
        from carbon import intensity

        return intensity.for_year(self.store, year, team)

    def run_scenario(self, path: Path | str, **options: Any):
        from carbon import scenario_run

        return scenario_run.run_file(self.store, path, **options)

    # -- schedule ------------------------------------------------------------------------------
    def check_recipients(self, config) -> None:
        from carbon import schedule

        schedule.check_recipients(self.store, config)

    def run_schedule_once(self, now: datetime, out_dir: Path | str, reissue: str | None = None, **options: Any):
        from carbon import schedule

        return schedule.run_once(self.store, now, out_dir, reissue, **options)

    def schedule_status(self):
        """The packs produced, their deliveries, the scheduler's runs, the closed periods."""
        from carbon.store import locks, packs

        with self.store.engine.connect() as conn:
            return (packs.list_packs(conn), packs.list_deliveries(conn), packs.list_runs(conn),
                    locks.list_locks(conn, active_only=True))

    def start_schedule(self, config, out_dir: Path | str | None = None, **options: Any) -> None:
        from carbon import schedule

        schedule.start(self.store, config, out_dir, **options)
