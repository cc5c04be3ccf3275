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

from collections.abc import Callable, Sequence
from datetime import date, datetime
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if (
    TYPE_CHECKING
):  # the records the methods return, named for a type checker only (start-up stays lazy)
    from zoneinfo import ZoneInfo

    from starlette.applications import Starlette

    from carbon.budgets.records import LoadOutcome, StoredPlan
    from carbon.budgets.rules import Alert, StatusReport
    from carbon.budgets.target import Proposal
    from carbon.closing.records import PeriodLock
    from carbon.closing.rules import Restate
    from carbon.cloud.importer import CloudOutcome
    from carbon.config import Config
    from carbon.disclosure.rules import Disclosure
    from carbon.donation.records import ClosedDonation
    from carbon.donation.rules import Donation, DonationView, HistoryEntry
    from carbon.factors.tables import FactorTable
    from carbon.feeds.records import ConfigFeeds, Feed
    from carbon.feeds.rules import Completeness, FeedMatrix
    from carbon.ledger.service import Checks, Progress
    from carbon.ledger.year import YearReport
    from carbon.metrics.intensity import IntensityView
    from carbon.metrics.records import MetricDef
    from carbon.metrics.rules import Intensity
    from carbon.model import Batch, ImportOutcome, MonthlyReport, Removal, Restatement, Team
    from carbon.pack.records import BuiltPack
    from carbon.pack.schedule import Deliver, RunOutcome
    from carbon.pack.store import DeliveryRecord, PackRecord
    from carbon.pack.verify import Verification
    from carbon.prices.records import Price
    from carbon.prices.rules import PriceImport
    from carbon.scenarios.service import PackScenario, Result
    from carbon.scope2.rules import Scope2
    from carbon.serve.store import TokenInfo
    from carbon.store import Store

T = TypeVar("T")


class Carbon:
    """An open carbon database and the tasks run on it. Open with `Carbon.open(url)`."""

    def __init__(self, store: Store):
        if isinstance(store, (str, PathLike)):  # a URL or a path: the common slip
            raise TypeError(
                f"Carbon({str(store)!r}): pass a Store; open a URL with Carbon.open(url)"
            )
        self.store = store

    @classmethod
    def open(cls, url: str | None = None) -> Carbon:
        """Open (and on first use create or migrate) the database at `url`; default: $CARBON_DB,
        else sqlite:///carbon.db in the current directory."""
        from carbon.store import Store

        return cls(Store.open(url))

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Carbon:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- teams ---------------------------------------------------------------------------------
    def add_team(self, name: str) -> None:
        from carbon.ledger import service as importer

        importer.add_team(self.store, name)

    def add_teams(self, names: Sequence[str]) -> None:
        """Declare several teams, all or none (InputError, nothing written, when one is refused)."""
        from carbon.ledger import service as importer

        importer.add_teams(self.store, names)

    def teams(self) -> list[Team]:
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
        from carbon.serve import tokens as token_service

        return token_service.add(self.store, name, team)

    def tokens(self) -> list[TokenInfo]:
        from carbon.serve import tokens as token_service

        return token_service.listed(self.store)

    def revoke_token(self, name: str) -> None:
        from carbon.serve import tokens as token_service

        token_service.revoke(self.store, name)

    def check_token(self, token: str) -> TokenInfo | None:
        """The token's record (name, team), or None for a token that does not exist."""
        from carbon.serve import tokens as token_service

        return token_service.check(self.store, token)

    def web_app(self, local: bool, scenarios: tuple[object, ...] = ()) -> Starlette:
        """The ASGI application of `carbon serve` over this database. `local`: bound to
        127.0.0.1, where no token is needed while none exists; otherwise at least one token must
        exist (InputError) and every request needs one. `scenarios`: the config's scenario files,
        read (`carbon.config.load(...).scenarios`), for the /scenarios page."""
        try:
            from carbon.serve.app import build_app
        except ImportError as exc:  # the extra is not installed: a user's fault, not carbon's
            from carbon.errors import CarbonError

            raise CarbonError(
                f"carbon serve needs its extra ({exc.name} is missing): "
                "pip install 'carbon-ledger[serve]'"
            ) from None
        return build_app(self, local=local, scenarios=scenarios)

    def scenarios_at(self, scenarios: tuple[object, ...], month: str) -> tuple[PackScenario, ...]:
        """Each read scenario run with the months recorded up to `month` (as the pack's levers
        section); one that cannot be computed carries its reason."""
        from carbon.scenarios import service as scenario_run

        return scenario_run.for_pack(self.store, scenarios, month)

    def data_version(self) -> int:
        """A number that grows with every committed change to the database."""
        return self.store.data_version()

    # -- imports -------------------------------------------------------------------------------
    def _fed(self, feed: str | None, run: Callable[[], T]) -> T:
        """Run an import; with `feed`, the feed is checked first (an unknown one writes nothing)
        and the import is attributed to it."""
        if feed is None:
            return run()
        from carbon.feeds import service as feed_service

        feed_service.require_feed(self.store, feed)
        result = run()
        done: Any = result[0] if isinstance(result, tuple) else getattr(result, "outcome", result)
        feed_service.attribute(self.store, done.batch.id, feed)  # an ImportOutcome
        return result

    # Every import that fills a data feed takes `feed`: the declared feed the import is
    # attributed to. `checks=None` is the importer's default (`carbon.ledger.service.Checks()`).
    def import_activities(
        self,
        path: Path | str,
        *,
        source: str | None = None,
        replace: bool = False,
        create_teams: bool = False,
        default_region: str = "",
        progress: Progress | None = None,
        on_start: Callable[[int], None] | None = None,
        checks: Checks | None = None,
        prefer_source: tuple[str, ...] = (),
        allocation: Path | str | None = None,
        feed: str | None = None,
    ) -> ImportOutcome:
        from carbon.ledger import service as importer

        extra = {} if checks is None else {"checks": checks}
        return self._fed(
            feed,
            lambda: importer.import_activities(
                self.store,
                path,
                source=source,
                replace=replace,
                create_teams=create_teams,
                default_region=default_region,
                progress=progress,
                on_start=on_start,
                prefer_source=prefer_source,
                allocation=allocation,
                **extra,
            ),
        )

    def import_survey(
        self,
        path: Path | str,
        first: str,
        last: str,
        *,
        source: str | None = None,
        replace: bool = False,
        create_teams: bool = False,
        default_region: str = "",
        allow_repeated_employees: bool = False,
        checks: Checks | None = None,
        prefer_source: tuple[str, ...] = (),
        config_path: Path | str | None = None,
        feed: str | None = None,
    ) -> ImportOutcome:
        from carbon.ledger import service as importer

        extra = {} if checks is None else {"checks": checks}
        return self._fed(
            feed,
            lambda: importer.import_survey(
                self.store,
                path,
                first,
                last,
                source=source,
                replace=replace,
                create_teams=create_teams,
                default_region=default_region,
                allow_repeated_employees=allow_repeated_employees,
                prefer_source=prefer_source,
                config_path=config_path,
                **extra,
            ),
        )

    def import_flights(
        self,
        path: Path | str,
        *,
        source: str | None = None,
        replace: bool = False,
        create_teams: bool = False,
        checks: Checks | None = None,
        prefer_source: tuple[str, ...] = (),
        feed: str | None = None,
        config_path: Path | str | None = None,
    ) -> ImportOutcome:
        from carbon.ledger import service as importer

        extra = {} if checks is None else {"checks": checks}
        return self._fed(
            feed,
            lambda: importer.import_flights(
                self.store,
                path,
                source=source,
                replace=replace,
                create_teams=create_teams,
                prefer_source=prefer_source,
                config_path=config_path,
                **extra,
            ),
        )

    def import_factors(self, path: Path | str, *, source: str | None = None) -> ImportOutcome:
        from carbon.ledger import service as importer

        return importer.import_factors(self.store, path, source=source)

    def import_cloud_billing(
        self,
        path: Path | str,
        provider: str,
        rules: Path | str,
        *,
        source: str | None = None,
        replace: bool = False,
        strict: bool = False,
        chunk_rows: int = 500_000,
        restate: Restate | None = None,
        allow_overlap: bool = False,
        allocation_path: Path | str | None = None,
        feed: str | None = None,
    ) -> CloudOutcome:
        from carbon.cloud import importer as cloud

        return self._fed(
            feed,
            lambda: cloud.import_cloud_billing(
                self.store,
                path,
                provider,
                rules,
                source=source,
                replace=replace,
                strict=strict,
                chunk_rows=chunk_rows,
                restate=restate,
                allow_overlap=allow_overlap,
                allocation_path=allocation_path,
            ),
        )

    def import_ccf_estimates(
        self,
        path: Path | str,
        rules: Path | str,
        *,
        source: str | None = None,
        replace: bool = False,
        strict: bool = False,
        restate: Restate | None = None,
        allow_overlap: bool = False,
        feed: str | None = None,
    ) -> CloudOutcome:
        from carbon.cloud import ccf_estimates

        return self._fed(
            feed,
            lambda: ccf_estimates.import_ccf_estimates(
                self.store,
                path,
                rules,
                source=source,
                replace=replace,
                strict=strict,
                restate=restate,
                allow_overlap=allow_overlap,
            ),
        )

    def import_metrics(
        self,
        path: Path | str,
        *,
        source: str | None = None,
        replace: bool = False,
        define_rule: str | None = None,
        restate: Restate | None = None,
        feed: str | None = None,
    ) -> tuple[ImportOutcome, tuple[MetricDef, ...]]:
        from carbon.metrics import service as metric_imports

        return self._fed(
            feed,
            lambda: metric_imports.import_metrics(
                self.store,
                path,
                source=source,
                replace=replace,
                define_rule=define_rule,
                restate=restate,
            ),
        )

    def import_energy_attributes(
        self,
        path: Path | str,
        *,
        source: str | None = None,
        replace: bool = False,
        restate: Restate | None = None,
        allocation: Path | str | None = None,
        feed: str | None = None,
    ) -> ImportOutcome:
        """Contractual instruments for market-based scope 2."""
        from carbon.scope2 import service as energy_imports

        return self._fed(
            feed,
            lambda: energy_imports.import_energy_attributes(
                self.store,
                path,
                source=source,
                replace=replace,
                restate=restate,
                allocation=allocation,
            ),
        )

    def scope2(
        self, first_month: str, last_month: str, team: str | None = None
    ) -> dict[tuple[str, str], Scope2]:
        """Scope 2 location- and market-based per (team, month): {(team, month): carbon.scope2.rules.Scope2}."""
        from carbon.scope2 import view as scope2_view

        with self.store.engine.connect() as conn:
            return scope2_view.figures(conn, first_month, last_month, team)

    def year_report(self, year: int, today: date | None = None) -> YearReport:
        """The annual inventory of `year` (carbon.ledger.year.YearReport, kg CO2e), counted
        through the last month over as of `today` (default: the date)."""
        from carbon.ledger import year as year_report

        return year_report.year_report(self.store, year, today)

    def disclosure(
        self, year: int, framework: str, *, base_year: int | None = None, as_of: date | None = None
    ) -> Disclosure:
        """A year's disclosure (carbon.disclosure.rules.Disclosure) in `framework`: esrs-e1, ghgp, beges."""
        from carbon.disclosure import service as disclosure_service

        return disclosure_service.build(
            self.store, year, framework, as_of=as_of, base_year=base_year
        )

    def import_spend(
        self,
        path: Path | str,
        *,
        mapping: Path | str | None = None,
        rates: Path | str | None = None,
        price_index: Path | str | None = None,
        suppliers: Path | str | None = None,
        source: str | None = None,
        replace: bool = False,
        create_teams: bool = False,
        checks: Checks | None = None,
        feed: str | None = None,
    ) -> ImportOutcome:
        """Import a spend file as purchases (carbon.spend.rules states the arithmetic)."""
        from carbon.spend import service as spend_import

        extra = {} if checks is None else {"checks": checks}
        return self._fed(
            feed,
            lambda: spend_import.import_spend(
                self.store,
                path,
                mapping=mapping,
                rates=rates,
                price_index=price_index,
                suppliers=suppliers,
                source=source,
                replace=replace,
                create_teams=create_teams,
                **extra,
            ),
        )

    def import_video(
        self,
        path: Path | str,
        mapping: Path | str,
        *,
        source: str | None = None,
        replace: bool = False,
        create_teams: bool = False,
        default_region: str = "",
        checks: Checks | None = None,
        prefer_source: tuple[str, ...] = (),
        feed: str | None = None,
    ) -> ImportOutcome:
        from carbon.video import service as video_import

        extra = {} if checks is None else {"checks": checks}
        return self._fed(
            feed,
            lambda: video_import.import_video(
                self.store,
                path,
                mapping,
                source=source,
                replace=replace,
                create_teams=create_teams,
                default_region=default_region,
                prefer_source=prefer_source,
                **extra,
            ),
        )

    def remove_import(self, batch_id: int, *, restate: Restate | None = None) -> Removal:
        from carbon.ledger import service as importer

        return importer.remove(self.store, batch_id, restate=restate)

    def months(self) -> list[str]:
        """The months with ledger data, oldest first."""
        from carbon.ledger import service as importer

        return importer.months(self.store)

    def imports(self) -> tuple[list[Batch], dict[int, list[str]], list[PeriodLock]]:
        """Every import batch, the months each one covers, and the closed periods."""
        from carbon.closing import store as locks

        found = self.store.list_batches()
        with self.store.engine.connect() as conn:
            return found, locks.all_batch_months(conn), locks.list_locks(conn, active_only=True)

    def load_demo(self) -> list[tuple[str, ImportOutcome]]:
        """Load the sample company (refuses a database that holds other data): (name, outcome)."""
        from carbon.demo import loader

        return loader.load(self.store)

    # -- factors -------------------------------------------------------------------------------
    def factor_table(self) -> FactorTable:
        """The factors in use: shipped, imported and derived (kept in the database between
        commands: carbon/factors/service.py)."""
        from carbon.factors import service as factors

        return factors.factor_table(self.store)

    # -- reports -------------------------------------------------------------------------------
    def monthly_report(
        self, month: str, team: str | None = None, today: date | None = None
    ) -> MonthlyReport:
        from carbon.ledger import views as ledger

        return ledger.monthly_report(self.store, month, team, today)

    def month_series(
        self, first_month: str, last_month: str, team: str | None = None
    ) -> dict[str, float]:
        """kg CO2e per month with data from `first_month` to `last_month` (of `team`, else the
        company): the monthly reports' totals, in one query."""
        from carbon.ledger import views as ledger

        return ledger.month_series(self.store, first_month, last_month, team)

    def month_activities(self, month: str, team: str | None = None) -> list[tuple[str, float]]:
        """(activity, kg CO2e) of a month, biggest first (of `team`, else the company)."""
        from carbon.ledger import views as ledger

        return ledger.month_activities(self.store, month, team)

    def month_sources(self, month: str, team: str | None = None) -> list[dict[str, object]]:
        from carbon.ledger import views as ledger

        return ledger.month_sources(self.store, month, team)

    def build_pack(
        self,
        month: str,
        out_dir: Path | str,
        *,
        revision: int | None = None,
        reissue_reason: str = "",
        scenarios: tuple[object, ...] = (),
        today: date | None = None,
    ) -> BuiltPack:
        from carbon.pack import service as pack

        return pack.build(
            self.store,
            month,
            out_dir,
            revision=revision,
            reissue_reason=reissue_reason,
            scenarios=scenarios,
            today=today,
        )

    def verify_pack(self, folder: Path | str) -> Verification:
        """Replay the pack in `folder` against the database (a verify.Verification)."""
        from carbon.pack import verify

        return verify.verify(self.store, folder)

    # -- feeds and completeness ----------------------------------------------------------------
    def add_feed(
        self,
        name: str,
        kind: str,
        *,
        provider: str | None = None,
        teams: tuple[str, ...] = (),
        categories: tuple[str, ...] = (),
        source: str | None = None,
        cadence: str = "monthly",
        first_month: str | None = None,
    ) -> Feed:
        """Declare a data feed a complete month needs (carbon.feeds.records.Feed; docs/feeds.md)."""
        from carbon.feeds import service as feed_service
        from carbon.feeds.records import Feed

        return feed_service.add_feed(
            self.store,
            Feed(
                name, kind, provider, tuple(teams), tuple(categories), source, cadence, first_month
            ),
        )

    def declare_config_feeds(self, config: Config) -> ConfigFeeds:
        """Declare the config's [feeds.NAME] not declared yet (a declared name is kept as it is):
        the names declared, and a warning per table that asks other values than its declared feed
        (carbon.feeds.records.ConfigFeeds)."""
        from carbon.feeds import service as feed_service

        return feed_service.sync_feeds(self.store, config.feeds, config.source or "the config")

    def feeds(self) -> list[Feed]:
        """The declared feeds (carbon.feeds.records.Feed), by name."""
        from carbon.feeds import service as feed_service

        return feed_service.list_feeds(self.store)

    def remove_feed(self, name: str) -> int:
        """Remove a declared feed; the number of imports that were attributed to it."""
        from carbon.feeds import service as feed_service

        return feed_service.remove_feed(self.store, name)

    def feeds_status(self, month: str | None = None) -> FeedMatrix:
        """Feeds × months (carbon.feeds.rules.FeedMatrix); with `month`, that month only."""
        from carbon.feeds import service as feed_service

        return feed_service.matrix(self.store, month)

    def completeness(self, month: str) -> Completeness:
        """Whether `month` is complete (carbon.feeds.rules.Completeness): each feed's state."""
        from carbon.feeds import service as feed_service

        return feed_service.completeness(self.store, month)

    def year_completeness(self, year: int, before: date | None = None) -> list[Completeness]:
        """The incomplete months of `year` (with `before`: only those ended by that day)."""
        from carbon.feeds import service as feed_service

        return feed_service.year_incomplete(self.store, year, before)

    # -- budgets -------------------------------------------------------------------------------
    def load_budget(
        self, path: Path | str, replace: bool = False, restate: Restate | None = None
    ) -> LoadOutcome:
        from carbon.budgets import service as budget_service

        return budget_service.load_file(self.store, path, replace=replace, restate=restate)

    def budget_plan(self, year: int) -> tuple[StoredPlan, list[str]]:
        """The stored budget plan of `year` (NotFound when none is loaded) and the team names."""
        from carbon.budgets import store as budgets

        with self.store.engine.connect() as conn:
            return budgets.require_plan(conn, year), list(self.store.team_ids(conn))

    def propose_budget(
        self,
        year: int,
        *,
        base_year: int,
        target: str,
        teams_by: str = "base",
        today: date | None = None,
    ) -> Proposal:
        """A budget year proposed from a reduction target (a budget_target.Proposal); writes nothing."""
        from carbon.budgets import service as budget_service

        return budget_service.propose(self.store, year, base_year, target, teams_by, today)

    def budget_status(
        self, month: str, team: str | None = None, today: date | None = None
    ) -> StatusReport:
        from carbon.budgets import service as budget_service

        return budget_service.status_at(self.store, month, team, today)

    def budget_check(
        self, month: str, warn_at: float
    ) -> tuple[StatusReport, tuple[int, tuple[Alert, ...]]]:
        """The status at `month` and its alert verdict: (exit code, alerts)."""
        from carbon.budgets import rules
        from carbon.budgets import service as budget_service

        rep = budget_service.status_at(self.store, month)
        return rep, rules.alerts(rep, warn_at)

    # -- prices and donations ------------------------------------------------------------------
    def import_prices(self, path: Path | str, source: str | None = None) -> PriceImport:
        from carbon.prices import service as price_service

        return price_service.import_file(self.store, path, source)

    def prices(self) -> list[Price]:
        from carbon.prices import service as price_service

        return price_service.all_prices(self.store)

    def donation(
        self,
        year: int,
        *,
        as_of: date,
        price: str | None = None,
        currency: str | None = None,
        basis: str | None = None,
        price_year: int | None = None,
        scopes: Sequence[int] = (),
        categories: Sequence[str] = (),
        actual_only: bool = False,
        allow_missing_months: bool = False,
        scope2: str | None = None,
    ) -> DonationView:
        from carbon.donation import service as donation_service

        return donation_service.donation_view(
            self.store,
            year,
            as_of=as_of,
            price=price,
            currency=currency,
            basis=basis,
            price_year=price_year,
            scopes=scopes,
            categories=categories,
            actual_only=actual_only,
            allow_missing_months=allow_missing_months,
            scope2=scope2,
        )

    def close_donation(
        self,
        year: int,
        *,
        as_of: date,
        allow_incomplete: bool = False,
        incomplete_reason: str | None = None,
        by: str | None = None,
        price: str | None = None,
        currency: str | None = None,
        basis: str | None = None,
        price_year: int | None = None,
        scopes: Sequence[int] = (),
        categories: Sequence[str] = (),
        allow_missing_months: bool = False,
        note: str = "",
        supersede: bool = False,
        scope2: str = "location",
    ) -> tuple[ClosedDonation, Donation]:
        """Sign off a year's donation. A year with an incomplete month (a data feed missing or
        partial) is refused (carbon.feeds.rules.Incomplete) unless `allow_incomplete` with an
        `incomplete_reason`, recorded with who (`by`, else the OS user) and what was missing."""
        from carbon.closing.rules import current_user
        from carbon.donation import service as donation_service
        from carbon.errors import Incomplete
        from carbon.feeds import service as feed_service

        found = feed_service.year_incomplete(self.store, year, as_of)
        if found and not allow_incomplete:
            raise Incomplete(
                f"{year} has incomplete months: {feed_service.summary(found)}; import the missing "
                "data, or close anyway with --allow-incomplete --reason TEXT (recorded)",
                found,
            )
        if found and not (incomplete_reason or "").strip():
            raise Incomplete(
                "--allow-incomplete needs --reason TEXT: why the year is closed with "
                f"incomplete months ({feed_service.summary(found)})",
                found,
            )
        result = donation_service.close_year(
            self.store,
            year,
            as_of=as_of,
            price=price,
            currency=currency,
            basis=basis,
            price_year=price_year,
            scopes=scopes,
            categories=categories,
            allow_missing_months=allow_missing_months,
            note=note,
            supersede=supersede,
            scope2=scope2,
        )
        if found:
            feed_service.record_override(
                self.store,
                f"donation close {year}",
                found,
                incomplete_reason or "",
                current_user(by),
            )
        return result

    def donation_history(self, as_of: date, year: int | None = None) -> list[HistoryEntry]:
        from carbon.donation import service as donation_service

        return donation_service.history(self.store, as_of, year)

    # -- periods -------------------------------------------------------------------------------
    def close_month(
        self,
        month: str,
        *,
        by: str | None = None,
        reason: str = "",
        today: date | None = None,
        allow_incomplete: bool = False,
    ) -> PeriodLock:
        """Close a month. An incomplete month (a data feed missing or partial, or no data at all)
        is refused (carbon.errors.Incomplete) unless `allow_incomplete` with a `reason`, recorded with who
        (`by`, else the OS user) and what was missing, as `close_donation` does for a year."""
        from carbon.closing import rules as period_rules
        from carbon.closing import service as period_service
        from carbon.errors import Incomplete
        from carbon.feeds import service as feed_service

        month = period_rules.check_month(month)
        with self.store.engine.connect() as conn:
            empty = month not in self.store.months_with_data(conn)
        if empty and not (allow_incomplete and reason.strip()):
            raise Incomplete(
                f"{month} has no emissions recorded at all: closing it would make its data, once "
                "imported, a restatement; import it first, or close the month anyway with "
                "--allow-incomplete --reason TEXT (recorded)"
            )
        found = [c for c in [feed_service.completeness(self.store, month)] if c.incomplete]
        if found and not allow_incomplete:
            raise Incomplete(
                f"{month} is incomplete: {found[0].gaps()}; import the missing data "
                "first (closing it would make that import a restatement), or close anyway with "
                "--allow-incomplete --reason TEXT (recorded)",
                found,
            )
        if found and not reason.strip():
            raise Incomplete(
                f"--allow-incomplete needs --reason TEXT: why {month} is closed incomplete "
                f"({found[0].gaps()})",
                found,
            )
        lock = period_service.close_month(self.store, month, by=by, reason=reason, today=today)
        if found:
            feed_service.record_override(
                self.store, f"close {month}", found, reason, period_rules.current_user(by)
            )
        return lock

    def periods(self) -> tuple[list[PeriodLock], list[Restatement]]:
        """Every closing of a period, and every restatement of a closed one."""
        from carbon.closing import store as locks

        with self.store.engine.connect() as conn:
            return locks.list_locks(conn), locks.list_restatements(conn)

    def reopen_month(self, month: str, *, reason: str, by: str | None = None) -> PeriodLock:
        from carbon.closing import service as period_service

        return period_service.reopen_month(self.store, month, reason=reason, by=by)

    # -- metrics, scenarios ----------------------------------------------------------------------
    def define_metric(
        self, name: str, year_rule: str, label: str | None = None
    ) -> tuple[MetricDef, str]:
        from carbon.metrics import service as metric_imports

        return metric_imports.define(self.store, name, year_rule, label)

    def metrics(self) -> list[tuple[MetricDef, int, str | None, str | None]]:
        """The declared metrics: (definition, value count, first month, last month)."""
        from carbon.metrics import store as metrics

        with self.store.engine.connect() as conn:
            return metrics.summary(conn)

    def intensity_for_month(self, report: MonthlyReport) -> IntensityView:
        from carbon.metrics import intensity

        return intensity.for_month(self.store, report)

    def intensity(
        self, year: int, team: str | None = None, *, today: date | None = None
    ) -> tuple[Intensity, ...]:
        from carbon.metrics import intensity

        return intensity.for_year(self.store, year, team, today)

    def run_scenario(
        self,
        path: Path | str,
        *,
        through: str | None = None,
        today: date | None = None,
        price: str | None = None,
        currency: str = "EUR",
        basis: str | None = None,
        price_year: int | None = None,
    ) -> Result:
        """Baseline vs scenario per team (`carbon.scenarios.service.run`'s options)."""
        from carbon.scenarios import service as scenario_run

        return scenario_run.run_file(
            self.store,
            path,
            through=through,
            today=today,
            price=price,
            currency=currency,
            basis=basis,
            price_year=price_year,
        )

    # -- schedule ------------------------------------------------------------------------------
    def check_recipients(self, config: Config) -> None:
        from carbon.pack import schedule

        schedule.check_recipients(self.store, config)

    def run_schedule_once(
        self,
        now: datetime,
        out_dir: Path | str,
        reissue: str | None = None,
        *,
        tz: ZoneInfo | str = "Europe/Paris",
        trigger: str = "run-once",
        reason: str = "",
        deliver: Deliver | None = None,
        grace_days: int = 10,
        scenarios: tuple[object, ...] = (),
    ) -> RunOutcome:
        from carbon.pack import schedule

        return schedule.run_once(
            self.store,
            now,
            out_dir,
            reissue,
            tz=tz,
            trigger=trigger,
            reason=reason,
            deliver=deliver,
            grace_days=grace_days,
            scenarios=scenarios,
        )

    def schedule_status(
        self,
    ) -> tuple[list[PackRecord], list[DeliveryRecord], list[dict[str, object]], list[PeriodLock]]:
        """The packs produced, their deliveries, the scheduler's runs, the closed periods."""
        from carbon.closing import store as locks
        from carbon.pack import store as packs

        with self.store.engine.connect() as conn:
            return (
                packs.list_packs(conn),
                packs.list_deliveries(conn),
                packs.list_runs(conn),
                locks.list_locks(conn, active_only=True),
            )

    def start_schedule(
        self, config: Config, out_dir: Path | str | None = None, *, deliver: Deliver | None = None
    ) -> None:
        from carbon.pack import schedule

        schedule.start(self.store, config, out_dir, deliver=deliver)
