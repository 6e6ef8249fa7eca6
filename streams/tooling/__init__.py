"""What runs around the worker: the embedded broker, the simulator, the demo, the backtest."""
