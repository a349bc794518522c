import Testing
@testable import IngestCore

/// The registry of families: what a route may name and what each family takes from its topic.
@Suite struct FamilyTests {
    @Test func thereAreFourFamiliesWithTheirConfigNames() {
        #expect(Family.allCases == [.sensor, .battery, .equipmentState, .machineEvent])
        #expect(Family.allCases.map(\.rawValue) == ["sensor", "battery", "equipment_state", "machine_event"])
        #expect(Family.supportedNames == "sensor, battery, equipment_state, machine_event")
        #expect(Family(rawValue: "equipment_state") == .equipmentState)
        #expect(Family(rawValue: "alarm") == nil)
    }

    @Test func eachFamilyNamesItsIdentityLevel() {
        #expect(Family.sensor.identityField == "device")
        #expect(Family.battery.identityField == "battery")
        #expect(Family.equipmentState.identityField == "equipment")
        #expect(Family.machineEvent.identityField == "machine")
    }

    @Test func onlySensorsAcceptABareNumber() {
        #expect(Family.allCases.filter(\.acceptsBareNumber) == [.sensor])
    }

    @Test func eachRecordTypeBelongsToItsFamily() {
        #expect(SensorReading.family == .sensor)
        #expect(BatteryReading.family == .battery)
        #expect(EquipmentStateChange.family == .equipmentState)
        #expect(MachineEvent.family == .machineEvent)
    }

    @Test func defaultRoutesCoverEveryFamilyOnceAsJSON() {
        let routes = IngestConfig.defaultRoutes
        #expect(routes.map(\.family) == Family.allCases)
        #expect(routes.allSatisfy { $0.format == .json })
    }

    /// Every default route captures its family's identity level, so that a payload can be
    /// checked against it.
    @Test func everyDefaultRouteCapturesItsFamilysIdentity() {
        for route in IngestConfig.defaultRoutes {
            #expect(route.pattern.captureNames.contains(route.family.identityField), "\(route.pattern)")
        }
    }

    @Test(arguments: [
        ("plant/s1/l1/sensor/d1/temp", Family.sensor, TopicFields(identity: "d1", metric: "temp", site: "s1", line: "l1")),
        ("plant/s1/battery/pack-7/telemetry", .battery, TopicFields(identity: "pack-7", site: "s1")),
        ("plant/s1/l1/equipment/press-1/state", .equipmentState, TopicFields(identity: "press-1", site: "s1", line: "l1")),
        ("plant/s1/l1/machine/cnc-4/events", .machineEvent, TopicFields(identity: "cnc-4", site: "s1", line: "l1")),
    ])
    func defaultRoutesRouteEachFamilysTopics(topic: String, family: Family, fields: TopicFields) throws {
        let (index, found) = try #require(Router(routes: IngestConfig.defaultRoutes).routeIndex(topic))
        #expect(IngestConfig.defaultRoutes[index].family == family)
        #expect(found == fields)
    }
}
