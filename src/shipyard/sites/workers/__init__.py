"""A site's queue workers: `artisan queue:work` supervisor programs (Forge's site workers)."""
