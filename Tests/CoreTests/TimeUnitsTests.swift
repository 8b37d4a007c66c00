import Core
import Testing

/// Durations as agentd's numbers, and UTC days: `Duration+Units.swift`, `Milliseconds`, `Instant`.
@Suite struct TimeUnitsTests {
    @Test(arguments: [
        // duration, ms, µs, ns, seconds
        (Duration.zero, Int64(0), Int64(0), Int64(0), 0.0),
        (.milliseconds(1500), 1500, 1_500_000, 1_500_000_000, 1.5),
        (.microseconds(1999), 1, 1999, 1_999_000, 0.001999),
        (.nanoseconds(999_999), 0, 999, 999_999, 0.000999999),
        (.seconds(86_400), Milliseconds.day, 86_400_000_000, 86_400_000_000_000, 86_400.0),
        (.milliseconds(-1500), -1500, -1_500_000, -1_500_000_000, -1.5),
    ] as [(Duration, Int64, Int64, Int64, Double)])
    func aDurationInEachUnitRoundsTowardZero(_ duration: Duration, _ ms: Int64, _ us: Int64, _ ns: Int64, _ seconds: Double) {
        #expect(duration.inMilliseconds == ms)
        #expect(duration.inMicroseconds == us)
        #expect(duration.inNanoseconds == ns)
        #expect(abs(duration.inSeconds - seconds) < 1e-9)
    }

    @Test func theConstantsAreTheirUnits() {
        #expect(Milliseconds.second == 1000)
        #expect(Milliseconds.minute == 60_000)
        #expect(Milliseconds.hour == 3_600_000)
        #expect(Milliseconds.day == 86_400_000)
        #expect(Duration.seconds(3600).inMilliseconds == Milliseconds.hour)
    }

    @Test(arguments: [
        // instant, days since the epoch, start of its day
        ("2026-12-06T09:30:00Z", Int64(20_793), "2026-12-06T00:00:00Z"),
        ("2026-12-06T00:00:00Z", 20_793, "2026-12-06T00:00:00Z"),
        ("1970-01-01T00:00:00Z", 0, "1970-01-01T00:00:00Z"),
        ("1969-12-31T23:59:59.999Z", -1, "1969-12-31T00:00:00Z"),
    ])
    func anInstantFallsOnItsUTCDay(_ text: String, _ days: Int64, _ start: String) throws {
        let instant = try #require(Instant(rfc3339: text))
        #expect(instant.daysSinceEpoch == days)
        #expect(instant.startOfDay == Instant(rfc3339: start))
        #expect(Instant(daysSinceEpoch: days) == instant.startOfDay)
        #expect(instant.startOfMonth.daysSinceEpoch <= days)
    }

    /// What people type (`72h`) read, and written back in the largest whole unit.
    @Test(arguments: [
        ("90s", Int64(90_000), "90s"), ("30m", 1_800_000, "30m"), ("72h", 259_200_000, "3d"), ("7d", 604_800_000, "7d"),
        ("60m", 3_600_000, "1h"), ("0s", 0, "0ms"),
    ] as [(String, Int64, String)])
    func aTypedDurationReadsAndWritesBack(_ typed: String, _ ms: Int64, _ written: String) {
        #expect(TimeFilter.milliseconds(typed) == ms)
        #expect(TimeFilter.text(milliseconds: ms) == written)
        #expect(TimeFilter.milliseconds(written) == (ms == 0 ? nil : ms))
    }

    @Test(arguments: ["", "h", "5", "5w", "-5m", "5.5h", "99999999999999999d"])
    func whatIsNotADurationIsNil(_ typed: String) {
        #expect(TimeFilter.milliseconds(typed) == nil)
    }
}
