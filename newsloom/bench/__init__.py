"""Throughput and memory benchmarks (``newsloom bench NAME``), one module per benchmark."""
