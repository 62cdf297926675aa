"""faqbot studio: the recruiter's workbench, a local web page over the live engine and store."""
