"""What a listed image's hashes allow to rebuild (scripts/bench/invert-views): rebuilds from a views record, measures."""
