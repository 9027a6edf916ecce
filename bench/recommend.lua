-- wrk script: GET /v1/users/u<random>/recommendations?n=10 over the demo world's 2,000 users.
math.randomseed(42)
request = function()
  return wrk.format("GET", "/v1/users/u" .. math.random(0, 1999) .. "/recommendations?n=10")
end
