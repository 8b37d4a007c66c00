import Testing
@testable import Core

/// Cron and the schedule rules: next fires across zones, DST changes, leap days and month ends.
@Suite struct CronTests {
    static func at(_ text: String) -> Instant { Instant(rfc3339: text)! }

    @Test(arguments: [
        ("*/15 * * * *", "UTC", "2025-03-01T10:07:00Z", "2025-03-01T10:15:00Z"),
        ("0 9 * * MON", "UTC", "2025-03-01T10:07:00Z", "2025-03-03T09:00:00Z"),
        ("0 6 * * 1-5", "Europe/Berlin", "2026-12-05T07:00:00Z", "2026-12-07T05:00:00Z"),
        ("0 6 * * 1-5", "Europe/Berlin", "2026-07-03T03:00:00Z", "2026-07-03T04:00:00Z"),  // summer: UTC+2
        // Leap days and month ends.
        ("0 0 29 2 *", "UTC", "2025-03-01T00:00:00Z", "2028-02-29T00:00:00Z"),
        ("0 12 L * *", "UTC", "2026-02-10T00:00:00Z", "2026-02-28T12:00:00Z"),
        ("0 12 L * *", "UTC", "2028-02-10T00:00:00Z", "2028-02-29T12:00:00Z"),
        ("0 12 L-1 * *", "UTC", "2026-04-01T00:00:00Z", "2026-04-29T12:00:00Z"),
        ("0 0 31 * *", "UTC", "2026-04-01T00:00:00Z", "2026-05-31T00:00:00Z"),
        ("0 10 * * 5L", "UTC", "2026-12-01T00:00:00Z", "2026-12-25T10:00:00Z"),
        ("0 9 * * 1#2", "UTC", "2027-01-01T00:00:00Z", "2027-01-11T09:00:00Z"),
        ("0 9 * * MON#1", "UTC", "2027-01-01T00:00:00Z", "2027-01-04T09:00:00Z"),
        // Both day fields restricted: either matches (the 13th or a Friday).
        ("0 0 13 * 5", "UTC", "2026-12-01T00:00:00Z", "2026-12-04T00:00:00Z"),
        ("0 0 13 * 5", "UTC", "2026-12-11T00:00:01Z", "2026-12-13T00:00:00Z"),
        ("0 0 * * 7", "UTC", "2026-12-01T00:00:00Z", "2026-12-06T00:00:00Z"),  // 7 is Sunday
        ("*/20 * * * * *", "UTC", "2026-12-01T10:00:05Z", "2026-12-01T10:00:20Z"),
        ("@daily", "Asia/Kolkata", "2026-12-01T00:00:00Z", "2026-12-01T18:30:00Z"),
        ("@hourly", "UTC", "2026-12-01T10:00:00Z", "2026-12-01T11:00:00Z"),  // strictly after
        ("0 0 1 JAN-MAR/2 *", "UTC", "2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z"),
        // Berlin springs forward on 2026-03-29 at 02:00 CET (01:00 UTC) to 03:00: 02:30 does not
        // exist and runs once at the end of the gap; the next night is normal again.
        ("30 2 * * *", "Europe/Berlin", "2026-03-28T12:00:00Z", "2026-03-29T01:00:00Z"),
        ("30 2 * * *", "Europe/Berlin", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"),
        // Every minute through the gap: 01:59 CET, then the jump, once.
        ("* * * * *", "Europe/Berlin", "2026-03-29T00:59:00Z", "2026-03-29T01:00:00Z"),
        ("* * * * *", "Europe/Berlin", "2026-03-29T01:00:00Z", "2026-03-29T01:01:00Z"),
        // Berlin falls back on 2026-10-25 at 03:00 CEST (01:00 UTC) to 02:00: 02:30 runs at its
        // first occurrence (CEST) and not again at the second.
        ("30 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00Z", "2026-10-25T00:30:00Z"),
        ("30 2 * * *", "Europe/Berlin", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"),
        // New York: 2026-03-08 02:00 EST → 03:00 EDT; 2026-11-01 02:00 EDT → 01:00 EST.
        ("30 2 * * *", "America/New_York", "2026-03-07T12:00:00Z", "2026-03-08T07:00:00Z"),
        ("30 1 * * *", "America/New_York", "2026-10-31T12:00:00Z", "2026-11-01T05:30:00Z"),
        ("30 1 * * *", "America/New_York", "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"),
        // Lord Howe shifts by 30 minutes: 2026-10-04 02:00 (+10:30) → 02:30 (+11); 2026-04-05
        // 02:00 (+11) → 01:30 (+10:30).
        ("15 2 * * *", "Australia/Lord_Howe", "2026-10-03T00:00:00Z", "2026-10-03T15:30:00Z"),
        ("45 1 * * *", "Australia/Lord_Howe", "2026-04-04T00:00:00Z", "2026-04-04T14:45:00Z"),
        ("45 1 * * *", "Australia/Lord_Howe", "2026-04-04T14:45:00Z", "2026-04-05T15:15:00Z"),
    ])
    func nextFire(_ expression: String, _ zone: String, _ after: String, _ want: String) throws {
        let recurrence = try Recurrence.parse(expression, zone: zone)
        #expect(recurrence.next(after: Self.at(after)) == Self.at(want), "\(expression) in \(zone) after \(after)")
    }

    @Test(arguments: [
        ("30 2 * * *", "Europe/Berlin", "2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z"),
        ("30 1 * * *", "America/New_York", "2026-11-01T05:30:00Z", "2026-11-01T06:30:00Z"),
        ("45 1 * * *", "Australia/Lord_Howe", "2026-04-04T14:45:00Z", "2026-04-04T15:15:00Z"),
        // Wall order and instant order differ in the repeated hour: 02:59 CEST comes before 02:00 CET.
        ("0,59 2 * * *", "Europe/Berlin", "2026-10-25T00:00:00Z", "2026-10-25T00:59:00Z"),
        ("0,59 2 * * *", "Europe/Berlin", "2026-10-25T00:59:00Z", "2026-10-25T01:00:00Z"),
    ])
    func theRepeatedHourFiresTwiceWithDSTBoth(_ expression: String, _ zone: String, _ after: String, _ want: String) throws {
        let recurrence = try Recurrence.parse(expression, zone: zone, dst: .both)
        #expect(recurrence.next(after: Self.at(after)) == Self.at(want))
    }

    @Test func anEveryMinuteScheduleFiresOncePerInstantAcrossBothChanges() throws {
        for (zone, start, end, expected) in [("Europe/Berlin", "2026-03-28T22:00:00Z", "2026-03-29T04:00:00Z", 360),
                                             ("Europe/Berlin", "2026-10-24T22:00:00Z", "2026-10-25T04:00:00Z", 300)] {
            let fires = try Recurrence.parse("* * * * *", zone: zone).fires(after: Self.at(start), until: Self.at(end), limit: 10_000)
            // Spring: 360 minutes of real time, the skipped hour's wall minutes fall on one
            // instant. Autumn: the repeated hour's wall minutes fire once (first occurrence), so
            // its second pass (60 minutes) is silent.
            #expect(fires.count == expected, "\(zone) \(start)")
            #expect(Set(fires).count == fires.count)
            #expect(fires == fires.sorted())
        }
    }

    @Test func everyIntervalsAreAlignedToTheEpoch() throws {
        let every = try Recurrence.parse("every 15m")
        #expect(every == .every(seconds: 900))
        #expect(every.next(after: Self.at("2026-12-01T10:07:30Z")) == Self.at("2026-12-01T10:15:00Z"))
        #expect(every.next(after: Self.at("2026-12-01T10:15:00Z")) == Self.at("2026-12-01T10:30:00Z"))
        #expect(try Recurrence.parse("every 2h", zone: "Europe/Berlin").next(after: Self.at("2026-12-01T10:07:30Z")) == Self.at("2026-12-01T12:00:00Z"))
    }

    @Test func oneTimeSchedulesReadWallTimesInTheirZone() throws {
        #expect(try Recurrence.once(at: "2026-12-01T09:00", zone: "Europe/Berlin") == .once(Self.at("2026-12-01T08:00:00Z")))
        #expect(try Recurrence.once(at: "2026-03-29T02:30", zone: "Europe/Berlin") == .once(Self.at("2026-03-29T01:00:00Z")))
        #expect(try Recurrence.once(at: "2026-12-01T08:00:00Z", zone: "Europe/Berlin") == .once(Self.at("2026-12-01T08:00:00Z")))
        let once = Recurrence.once(Self.at("2026-12-01T08:00:00Z"))
        #expect(once.next(after: Self.at("2026-12-01T07:59:59Z")) == Self.at("2026-12-01T08:00:00Z"))
        #expect(once.next(after: Self.at("2026-12-01T08:00:00Z")) == nil)
        #expect(throws: CronError.self) { try Recurrence.once(at: "2026-02-30T09:00") }
        #expect(throws: CronError.self) { try Recurrence.once(at: "tomorrow") }
    }

    @Test func anExpressionThatNeverMatchesHasNoNextFire() throws {
        #expect(try Recurrence.parse("0 0 30 2 *").next(after: Self.at("2026-01-01T00:00:00Z")) == nil)
    }

    @Test(arguments: [
        ("61 * * * *", "minute: 61: 61 is not in 0-59"),
        ("* * *", "has 3 fields"),
        ("@fortnightly", "unknown shortcut"),
        ("*/0 * * * *", "minute: */0: the step after / is a number from 1 to 59"),
        ("5-1 * * * *", "minute: 5-1: the range runs backwards"),
        ("0 0 * * MON#6", "day-of-week: MON#6: the number after # is 1 to 5"),
        ("0 0 * FOO *", "month: FOO: FOO is not in 1-12 or JAN-DEC"),
        ("0 0 1,,2 * *", "day-of-month: 1,,2: an empty item"),
        ("every 0m", "every 0m: write every N"),
        ("every 40d", "every 40d: write every N"),
    ])
    func badExpressionsSayWhatAndWhere(_ text: String, _ fragment: String) {
        do {
            _ = try Recurrence.parse(text)
            Issue.record("\(text) was accepted")
        } catch {
            #expect(error.description.contains(fragment), "\(error.description)")
        }
    }

    @Test func anUnknownZoneIsRefused() {
        #expect(throws: CronError.self) { try Recurrence.parse("@daily", zone: "Mars/Olympus") }
        #expect(ZoneRules(identifier: "Europe/Berlin") != nil)
    }
}

/// Catch-up after downtime: which missed slots fire, which are recorded as skipped, and why.
@Suite struct CatchUpTests {
    static func at(_ text: String) -> Instant { Instant(rfc3339: text)! }
    static let hourly = try! Recurrence.parse("@hourly")

    @Test func aSlotFoundInTimeFires() {
        let plan = FirePlan.plan(due: Self.at("2026-12-01T10:00:00Z"), recurrence: Self.hourly, policy: .skip,
                                 now: Self.at("2026-12-01T10:00:00.020Z"), graceMs: 60_000)
        #expect(plan.fire == [Self.at("2026-12-01T10:00:00Z")])
        #expect(plan.skipped.isEmpty)
        #expect(plan.next == Self.at("2026-12-01T11:00:00Z"))
    }

    @Test(arguments: [
        (CatchUpPolicy.skip, [String](), ["08:00", "09:00", "10:00", "11:00"], [SkipReason.missed, .missed, .missed, .missed]),
        (.latest, ["11:00"], ["08:00", "09:00", "10:00"], [.missed, .missed, .missed]),
        (.all(windowMs: 3 * 3_600_000, cap: 10), ["09:00", "10:00", "11:00"], ["08:00"], [.outsideWindow]),
        (.all(windowMs: 6 * 3_600_000, cap: 2), ["10:00", "11:00"], ["08:00", "09:00"], [.overCap, .overCap]),
    ])
    func missedSlotsFollowThePolicy(_ policy: CatchUpPolicy, _ fired: [String], _ skipped: [String], _ reasons: [SkipReason]) {
        // Down from 07:30 to 11:40: slots 08:00 … 11:00 were missed; 12:00 is next.
        let plan = FirePlan.plan(due: Self.at("2026-12-01T08:00:00Z"), recurrence: Self.hourly, policy: policy,
                                 now: Self.at("2026-12-01T11:40:00Z"), graceMs: 60_000)
        #expect(plan.fire == fired.map { Self.at("2026-12-01T\($0):00Z") })
        #expect(plan.skipped.map(\.0) == skipped.map { Self.at("2026-12-01T\($0):00Z") })
        #expect(plan.skipped.map(\.1) == reasons)
        #expect(plan.next == Self.at("2026-12-01T12:00:00Z"))
    }

    @Test func anOnTimeSlotFiresBesideTheLatestMissedOneNever() {
        // 12:00 is found in time: it fires; with `latest` no missed slot fires beside it.
        let plan = FirePlan.plan(due: Self.at("2026-12-01T10:00:00Z"), recurrence: Self.hourly, policy: .latest,
                                 now: Self.at("2026-12-01T12:00:30Z"), graceMs: 60_000)
        #expect(plan.fire == [Self.at("2026-12-01T12:00:00Z")])
        #expect(plan.skipped.map(\.0) == [Self.at("2026-12-01T10:00:00Z"), Self.at("2026-12-01T11:00:00Z")])
    }

    @Test func aLongOutageIsRecordedBoundedAndCounted() throws {
        let everySecond = try Recurrence.parse("every 1s")
        let plan = FirePlan.plan(due: Self.at("2026-12-01T00:00:00Z"), recurrence: everySecond, policy: .skip,
                                 now: Self.at("2026-12-01T01:00:00Z"), graceMs: 1000)
        #expect(plan.fire.count == 2)  // 00:59:59 and 01:00:00 are within the grace
        #expect(plan.skipped.count == FirePlan.maximumRecorded)
        #expect(plan.skipped.count + plan.uncounted + plan.fire.count == 3601)
        #expect(!plan.truncated)
        #expect(plan.next == Self.at("2026-12-01T01:00:01Z"))
        let week = FirePlan.plan(due: Self.at("2026-12-01T00:00:00Z"), recurrence: everySecond, policy: .skip,
                                 now: Self.at("2026-12-08T00:00:00Z"), graceMs: 1000)
        #expect(week.truncated)
        #expect(week.fire == [Self.at("2026-12-07T23:59:59Z"), Self.at("2026-12-08T00:00:00Z")])
        #expect(week.skipped.count == FirePlan.maximumRecorded)
        #expect(week.next == Self.at("2026-12-08T00:00:01Z"))
        // Truncated or not, `latest` fires the slot just before now.
        let latest = FirePlan.plan(due: Self.at("2026-12-01T00:00:00Z"), recurrence: everySecond, policy: .latest,
                                   now: Self.at("2026-12-08T00:00:00.500Z"), graceMs: 0)
        #expect(latest.fire == [Self.at("2026-12-08T00:00:00Z")])
    }

    @Test func aOneTimeScheduleHasNoNextFire() {
        let plan = FirePlan.plan(due: Self.at("2026-12-01T09:00:00Z"), recurrence: .once(Self.at("2026-12-01T09:00:00Z")), policy: .skip,
                                 now: Self.at("2026-12-01T09:00:01Z"), graceMs: 60_000)
        #expect(plan.fire == [Self.at("2026-12-01T09:00:00Z")])
        #expect(plan.next == nil)
    }
}

@Suite struct ZoneRulesTests {
    @Test(arguments: [
        ("Europe/Berlin", "2026-12-07T05:00:00Z", "2026-12-07T06:00:00+01:00"),
        ("Europe/Berlin", "2026-07-03T04:00:00Z", "2026-07-03T06:00:00+02:00"),
        ("America/New_York", "2026-11-01T06:30:00Z", "2026-11-01T01:30:00-05:00"),
        ("Australia/Lord_Howe", "2026-04-04T15:15:00Z", "2026-04-05T01:45:00+10:30"),
        ("UTC", "2026-12-01T00:00:00Z", "2026-12-01T00:00:00+00:00"),
    ])
    func instantsShowTheirWallTimeAndOffset(_ zone: String, _ instant: String, _ want: String) {
        #expect(ZoneRules(identifier: zone)?.localRFC3339(at: Instant(rfc3339: instant)!) == want)
    }
}
