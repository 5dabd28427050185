Weft.Bench.BenchResult.Print("x", "m", 2, 1, true);
