"""Reading the input: files in, a customer table out (a purchase log becomes one)."""
