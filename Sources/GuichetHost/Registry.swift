import DSService
import EMJPMService
import ServiceKit

/// Every service guichet binds, in the order help() lists them.
public let registeredServices: [any GuichetService] = [DSService.unit, EMJPMService.unit]
