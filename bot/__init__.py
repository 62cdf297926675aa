"""faqbot: a recruiting FAQ bot for Kakao's Platform/Infra office interview."""

__version__ = "0.1.0"
