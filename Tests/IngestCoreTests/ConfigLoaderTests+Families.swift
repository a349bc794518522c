import Foundation
import Testing
@testable import IngestCore

/// The `families:` section and the routes of every family.
extension ConfigLoaderTests {
    // MARK: Values

    @Test func readsEveryFamilySetting() throws {
        let c = try load("""
            families:
              battery:
                soc: [10, 90]
                soh: [50, 100]
                temperature: [-20, 60.5]
                voltage: [40, 58]
              equipment_state:
                states: [run, idle, down]
                equipment: [press-1, press-2]
              machine_event:
                max_duration: 2h
                max_future: 5m
            """)
        var expected = FamilySettings()
        expected.battery.soc = 10...90
        expected.battery.soh = 50...100
        expected.battery.temperature = -20...60.5
        expected.battery.voltage = 40...58
        expected.equipmentState.states = ["run", "idle", "down"]
        expected.equipmentState.knownEquipment = ["press-1", "press-2"]
        expected.machineEvent.maxDurationMs = 7_200_000
        expected.machineEvent.maxFutureSeconds = 300
        #expect(c.families == expected)
        #expect(c.limits == Limits(), "the shared limits are untouched")
    }

    @Test func familySettingsLeftOutKeepTheirDefaults() throws {
        let c = try load("families:\n  battery:\n    soc: [5, 95]\n  machine_event:\n")
        #expect(c.families.battery.soc == 5...95)
        #expect(c.families.battery.soh == BatteryRanges().soh)
        #expect(c.families.battery.temperature == -40...125)
        #expect(c.families.equipmentState == EquipmentStateSettings())
        #expect(c.families.machineEvent == MachineEventSettings())
    }

    @Test func validationLimitsAndFamilySettingsLiveTogether() throws {
        let c = try load("validation:\n  max_string_length: 32\nfamilies:\n  battery:\n    soc: [0, 80]\n")
        #expect(c.families.limits.maxStringLength == 32)
        #expect(c.limits.maxStringLength == 32)
        #expect(c.families.battery.soc == 0...80)
    }

    @Test func aRangeMayBeABlockList() throws {
        let c = try load("families:\n  battery:\n    temperature:\n      - -10\n      - 1_000\n")
        #expect(c.families.battery.temperature == -10...1000)
    }

    @Test func anEmptyEquipmentRegistryAcceptsAnyEquipment() throws {
        #expect(try load("families:\n  equipment_state:\n    equipment: []\n").families.equipmentState.knownEquipment == nil)
    }

    @Test func maxDurationKeepsMilliseconds() throws {
        #expect(try load("families:\n  machine_event:\n    max_duration: 1500ms\n").families.machineEvent.maxDurationMs == 1_500)
        #expect(try load("families:\n  machine_event:\n    max_duration: 30d\n").families.machineEvent.maxDurationMs
            == 30 * 86_400_000)
    }

    /// The example shows the family settings with their defaults, commented out: uncommenting
    /// them must change nothing.
    @Test func familyDefaultsShownInTheExampleAreTheBuiltInDefaults() throws {
        let text = try String(contentsOfFile: Self.examplePath, encoding: .utf8)
        let keys: Set<String> = ["soc", "soh", "temperature", "voltage", "states", "equipment", "max_duration", "max_future"]
        var uncommented = 0
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            guard line.hasPrefix("    # "), let colon = line.firstIndex(of: ":") else { return String(line) }
            let key = line[line.index(line.startIndex, offsetBy: 6)..<colon]
            guard keys.contains(String(key)) else { return String(line) }
            uncommented += 1
            return "    " + line.dropFirst(6)
        }
        #expect(uncommented == 8)
        let c = try loader().load(yaml: lines.joined(separator: "\n"), file: Self.examplePath)
        #expect(c.families.battery.soc == BatteryRanges().soc)
        #expect(c.families.battery.soh == BatteryRanges().soh)
        #expect(c.families.battery.temperature == BatteryRanges().temperature)
        #expect(c.families.battery.voltage == BatteryRanges().voltage, "families.battery.voltage in config/ingestd.yaml")
        #expect(c.families.equipmentState == EquipmentStateSettings())
        #expect(c.families.machineEvent == MachineEventSettings())
    }

    // MARK: Errors

    @Test func aRangeOfThreeNumbersIsRejectedWithFileLineAndKey() {
        expectError("# plant\nfamilies:\n  battery:\n    soc: [0, 50, 100]\n", line: 4, key: "families.battery.soc",
                    message: "expected [low, high] with two numbers, low not above high, got [0, 50, 100]")
    }

    @Test(arguments: ["[100, 0]", "[0]", "[]", "[low, high]", "[0, .inf]", "[0, 1, 2]"])
    func aBadRangeIsRejected(range: String) {
        expectError("families:\n  battery:\n    temperature: \(range)\n", line: 3, key: "families.battery.temperature",
                    message: "expected [low, high] with two numbers, low not above high")
    }

    @Test func aRangeThatIsNotAListIsRejected() {
        expectError("families:\n  battery:\n    soc: 100\n", line: 3, key: "families.battery.soc",
                    message: "expected a list, e.g. [a, b], got '100'")
    }

    @Test func anEmptyListOfStatesIsRejected() {
        expectError("families:\n  equipment_state:\n    states: []\n", line: 3, key: "families.equipment_state.states",
                    message: "expected at least one state")
    }

    @Test func statesMustBeAListOfStrings() {
        expectError("families:\n  equipment_state:\n    states: red\n", line: 3, key: "families.equipment_state.states",
                    message: "expected a list")
        expectError("families:\n  equipment_state:\n    states: [red, [a]]\n", line: 3,
                    key: "families.equipment_state.states", message: "expected a list of strings, got a list in it")
    }

    @Test func aMaxDurationOutsideItsBoundsIsRejected() {
        expectError("families:\n  machine_event:\n    max_duration: 0s\n", line: 3, key: "families.machine_event.max_duration",
                    message: "expected a duration from")
        expectError("families:\n  machine_event:\n    max_duration: 31d\n", line: 3, key: "families.machine_event.max_duration",
                    message: "expected a duration from")
        expectError("families:\n  machine_event:\n    max_duration: long\n", line: 3, key: "families.machine_event.max_duration",
                    message: "expected a duration such as 200ms")
    }

    @Test func anUnknownFamilyUnderFamiliesIsRejectedWithAHint() {
        expectError("families:\n  batery:\n    soc: [0, 1]\n", line: 2, key: "families.batery",
                    message: "unknown key (did you mean 'battery'?); known keys here: sensor, battery, equipment_state, machine_event")
    }

    @Test func anUnknownSettingOfAFamilyIsRejected() {
        expectError("families:\n  battery:\n    charge: [0, 1]\n", line: 3, key: "families.battery.charge",
                    message: "known keys here: soc, soh, temperature, voltage")
        expectError("families:\n  machine_event:\n    max_duraton: 1h\n", line: 3, key: "families.machine_event.max_duraton",
                    message: "did you mean 'max_duration'?")
    }

    @Test func familiesMustBeAMapping() {
        expectError("families: [battery]\n", line: 1, key: "families", message: "expected a mapping of keys, got a list")
    }

    // MARK: Routes of every family

    @Test func routesOfEveryFamilyAreRead() throws {
        let c = try load("""
            routes:
              - topic: a/{device}/{metric}
                family: sensor
                format: number
              - topic: b/{battery}
                family: battery
              - topic: c/{equipment}
                family: equipment_state
                format: json
              - topic: d/{machine}
                family: machine_event
            """)
        #expect(c.routes.map(\.family) == [.sensor, .battery, .equipmentState, .machineEvent])
        #expect(c.routes.map(\.format) == [.number, .json, .json, .json])
    }

    @Test(arguments: ["battery", "equipment_state", "machine_event"])
    func formatNumberOnANonSensorRouteIsRejected(family: String) {
        expectError("routes:\n  - topic: x/{id}\n    family: \(family)\n    format: number\n", line: 4, key: "routes[0].format",
                    message: "format 'number' is for sensor routes only; a \(family) payload is JSON")
    }
}

/// The ranges of the measures the rollups aggregate: `families.sensor.value` and the battery's.
extension ConfigLoaderTests {
    @Test func readsTheSensorValueRangeAndTheBatteryCurrentRange() throws {
        let c = try load("families:\n  sensor:\n    value: [-1e100, 1e100]\n  battery:\n    current: [-500, 500]\n    voltage: [0, 1_000]\n")
        #expect(c.families.sensor.value == -1e100...1e100)
        #expect(c.families.battery.current == -500...500)
        #expect(c.families.battery.voltage == 0...1000)
        #expect(try load("families:\n  sensor:\n").families.sensor == SensorRanges())
    }

    @Test(arguments: ["sensor:\n    value", "battery:\n    voltage", "battery:\n    current", "battery:\n    temperature",
                      "battery:\n    soc", "battery:\n    soh"])
    func aMeasureRangePastTheStorageBoundIsRefused(key: String) {
        let name = key.replacingOccurrences(of: ":\n    ", with: ".")
        expectError("families:\n  \(key): [0, 2e154]\n", line: 3, key: "families.\(name)", message: "within -1e100 to 1e100 (beyond, a rollup's sum of squares could overflow), got [0, 2e154]")
        expectError("families:\n  \(key): [-1.7976931348623157e308, 0]\n", line: 3, key: "families.\(name)", message: "within")
    }

    @Test func anUnknownKeyUnderSensorIsRefused() {
        expectError("families:\n  sensor:\n    values: [0, 1]\n", line: 3, key: "families.sensor.values", message: "did you mean 'value'")
    }
}
