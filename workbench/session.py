"""A session ties config, cache, prompts and clients together for the CLI, the UI and evals."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from workbench.budget import Budget
from workbench.cache import ResponseStore, default_cache_dir, open_cache
from workbench.config import Config, load_config
from workbench.llm import StructuredClient, open_client
from workbench.pipeline import ProgressCallback, check_article, check_article_sync
from workbench.prompts import PromptSet
from workbench.schema import Article, Report


@dataclass
class Session:
    config: Config
    cache: ResponseStore
    prompts: PromptSet
    _clients: dict[str, StructuredClient] = field(default_factory=dict)

    @classmethod
    def open(
        cls,
        config_path: str | None = None,
        *,
        no_cache: bool = False,
        prompts_dir: str | Path | None = None,
        cache_dir: str | Path | None = None,
    ) -> Session:
        config = load_config(config_path)
        shared = config.cache
        cache = open_cache(
            cache_dir or default_cache_dir(shared.dir),
            url=shared.url,
            password=shared.password() if shared.url and not no_cache else None,
            fallback_local=shared.fallback == "local",
            enabled=not no_cache,
        )
        return cls(
            config=config,
            cache=cache,
            prompts=PromptSet(Path(prompts_dir) if prompts_dir else None),
        )

    def client(
        self,
        backend: str | None = None,
        *,
        concurrency: int | None = None,
        record_to: Path | None = None,
        replay_from: Path | None = None,
    ) -> StructuredClient:
        """The (cached, bounded) client of a configured backend; reused within the session."""
        settings = self.config.backend(backend)
        if concurrency is not None:
            settings = settings.model_copy(update={"concurrency": concurrency})
        key = f"{settings.name}|{settings.concurrency}|{record_to}|{replay_from}"
        if key not in self._clients:
            self._clients[key] = open_client(
                settings, cache=self.cache, record_to=record_to, replay_from=replay_from
            )
        return self._clients[key]

    def check(
        self,
        article: Article,
        backend: str | None = None,
        *,
        on_progress: ProgressCallback | None = None,
        budget: Budget | None = None,
    ) -> Report:
        return check_article_sync(
            article, self.client(backend), self.prompts, on_progress=on_progress, budget=budget
        )

    async def check_async(
        self,
        article: Article,
        backend: str | None = None,
        *,
        on_progress: ProgressCallback | None = None,
    ) -> Report:
        return await check_article(
            article, self.client(backend), self.prompts, on_progress=on_progress
        )
