-- Writes fleet items of one workspace and kind unless new keys would pass the cap, all or
-- none, atomically (src/fleet/store.rs).
-- KEYS[1]: the hash of the workspace and kind.
-- ARGV[1]: the cap; ARGV[2]: the kind's TTL in ms; ARGV[3]: now in ms; ARGV[4]: "1" for the
-- activity feed, whose oldest lines make room; ARGV[5]: the lines the feed shows;
-- ARGV[6..]: field, item pairs (no field twice).
-- Returns -1 when written, else how many items are stored (the write is refused).
local key = KEYS[1]
local cap = tonumber(ARGV[1])
local function count_new()
  local new = 0
  for i = 6, #ARGV, 2 do
    if redis.call('HEXISTS', key, ARGV[i]) == 0 then
      new = new + 1
    end
  end
  return new
end
local new = count_new()
if new > 0 and redis.call('HLEN', key) + new > cap then
  -- Over the cap: first drop what has expired and, from the feed, the oldest lines.
  local ttl = tonumber(ARGV[2])
  local now = tonumber(ARGV[3])
  local fields = redis.call('HGETALL', key)
  local live = {}
  for i = 1, #fields, 2 do
    local ok, item = pcall(cjson.decode, fields[i + 1])
    local at = ok and type(item) == 'table' and tonumber(item['updatedAt']) or nil
    if at == nil or now - at > ttl then
      redis.call('HDEL', key, fields[i])
    else
      table.insert(live, { fields[i], at })
    end
  end
  if ARGV[4] == '1' then
    table.sort(live, function(a, b)
      if a[2] ~= b[2] then return a[2] > b[2] end
      return a[1] > b[1]
    end)
    local keep = math.min(tonumber(ARGV[5]), cap - new)
    for i = math.max(keep, 0) + 1, #live do
      redis.call('HDEL', key, live[i][1])
    end
  end
  -- An expired item that is written again counts as new.
  new = count_new()
  local stored = redis.call('HLEN', key)
  if stored + new > cap then
    return stored
  end
end
for i = 6, #ARGV, 2 do
  redis.call('HSET', key, ARGV[i], ARGV[i + 1])
end
redis.call('PEXPIRE', key, ARGV[2])
return -1
