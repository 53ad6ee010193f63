-- wrk script: the same small chat request for every target.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
-- BENCH_KEY: a key minted on the gateway under test (auth on); otherwise any bearer token.
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("BENCH_KEY") or "bench-client-key")
wrk.body = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hello in one short sentence."}],"max_tokens":16}'
