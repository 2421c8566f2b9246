# Writes n Redis HSET commands in RESP for redis-cli --pipe: hashes
# fs:driver:<i> with event_ts and ten features. i is zero-padded to 12
# digits (as redis-benchmark fills __rand_int__) unless pad=0; event_ts is
# ts0 + (i % 86400), ts0 defaulting to 1700000000.
# Usage: awk -v n=1000000 [-v pad=0] [-v ts0=$(date +%s)] -f bench/redis_load.awk | redis-cli --pipe
BEGIN {
  srand(1)
  if (pad == "") pad = 1
  if (ts0 == "") ts0 = 1700000000
  split("Paris Lyon Berlin Madrid Rome Oslo Lisbon Vienna", cities, " ")
  split("sedan van bike scooter", vehicles, " ")
  for (i = 0; i < n; i++) {
    key = pad ? sprintf("fs:driver:%012d", i) : sprintf("fs:driver:%d", i)
    v[1] = "event_ts";        v[2] = ts0 + (i % 86400)
    v[3] = "conv_rate";       v[4] = sprintf("%.6f", rand())
    v[5] = "acc_rate";        v[6] = sprintf("%.6f", rand())
    v[7] = "avg_daily_trips"; v[8] = int(rand() * 40)
    v[9] = "rating";          v[10] = sprintf("%.2f", 3 + 2 * rand())
    v[11] = "trips_7d";       v[12] = int(rand() * 300)
    v[13] = "cancel_rate";    v[14] = sprintf("%.6f", rand() / 10)
    v[15] = "city";           v[16] = cities[1 + int(rand() * 8)]
    v[17] = "vehicle";        v[18] = vehicles[1 + int(rand() * 4)]
    v[19] = "active";         v[20] = (rand() < 0.9) ? "true" : "false"
    v[21] = "last_fare";      v[22] = sprintf("%.2f", 5 + 60 * rand())
    printf "*24\r\n$4\r\nHSET\r\n$%d\r\n%s\r\n", length(key), key
    for (j = 1; j <= 22; j++) printf "$%d\r\n%s\r\n", length(v[j]), v[j]
  }
}
