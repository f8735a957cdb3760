"""Short generated articles for concurrency tests and the batch benchmark."""

from __future__ import annotations

TOPICS = ["bridge", "harbor", "school", "museum", "railway", "hospital", "market", "library"]


def article_text(n: int) -> str:
    """A short article about its own topic: its claims can only come from its own text."""
    topic = TOPICS[n % len(TOPICS)].title()
    return (
        f"# The {topic} story {n}\n\n"
        f"The {topic} Authority of Springfield spent ${n + 2}.5 million on repairs in 2024.\n\n"
        f"Director Ana {topic}son said {n + 10} workers finished the job in May.\n\n"
        f"The city council reported that the {topic} reopened on 3 June after {n + 4} weeks.\n"
    )
