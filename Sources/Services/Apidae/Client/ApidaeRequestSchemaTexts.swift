// Generated from ../shared/specs/apidae/*.schema (apidae-tourisme/apidae-sit-schemas @ 2004e9a8,
// v002/api/output/*Requete.schema), copied byte for byte: guichet never reads ../shared at run time.
// ApidaeSchemaTests checks the copy against the files when they are present.

extension ApidaeRequestSchema {
    /// The schema file's text, exactly as published.
    public var text: String {
        switch self {
        case .apiChannelManagerRechercheEnregistreeMembreObjetsRequete: return #"""
{
  "type" : "object",
  "id" : "apiChannelManagerRechercheEnregistreeMembreObjetsRequete",
  "additionalProperties" : false,
  "properties" : {
    "apiKey" : {
      "type" : "string"
    },
    "membreProprietaireIds" : {
      "type" : "array",
      "additionalItems" : false,
      "items" : {
        "type" : "integer"
      }
    },
    "membreProprietaireIdGmcs" : {
      "type" : "array",
      "additionalItems" : false,
      "items" : {
        "type" : "integer"
      }
    },
    "listeEnregistreeId" : {
      "type" : "integer"
    }
  }
}
"""#
        case .apiChannelManagerRechercheEnregistreeObjetsRequete: return #"""
{
  "type" : "object",
  "id" : "apiChannelManagerRechercheEnregistreeObjetsRequete",
  "additionalProperties" : false,
  "properties" : {
    "apiKey" : {
      "type" : "string"
    },
    "membreId" : {
      "type" : "integer"
    },
    "membreIdGmc" : {
      "type" : "integer"
    },
    "listeEnregistreeId" : {
      "type" : "array",
      "additionalItems" : false,
      "items" : {
        "type" : "integer"
      }
    }
  }
}
"""#
        case .apiMembreEcritureRequete: return #"""
{
  "type" : "object",
  "id" : "apiMembreEcritureRequete",
  "additionalProperties" : false,
  "properties" : {
    "descriptifCourt" : {
      "type" : "string"
    },
    "devise" : {
      "type" : "string",
      "enum" : [ "EUR", "CHF", "XPF", "XOF" ]
    },
    "nom" : {
      "type" : "string"
    },
    "proprietaireId" : {
      "type" : "integer"
    },
    "secteurId" : {
      "type" : "integer"
    },
    "siteWeb" : {
      "type" : "string"
    },
    "structureId" : {
      "type" : "integer"
    },
    "typeId" : {
      "type" : "integer"
    },
    "zoneDatesSpeciales" : {
      "type" : "string",
      "enum" : [ "FRANCE", "SUISSE", "SUISSE_CANTON_VALAIS" ]
    }
  }
}
"""#
        case .apiMembreRequete: return #"""
{
  "type" : "object",
  "id" : "apiMembreRequete",
  "additionalProperties" : false,
  "properties" : {
    "apiKey" : {
      "type" : "string"
    },
    "projetId" : {
      "type" : "integer"
    },
    "responseFields" : {
      "type" : "array",
      "additionalItems" : false,
      "items" : {
        "type" : "string",
        "enum" : [ "BASE_ONLY", "UTILISATEURS", "OBJETS_GERES", "PROJETS", "RELATIONS", "TRADUCTIONS", "TAGS", "COMMUNES" ]
      }
    },
    "filter" : {
      "type" : "object",
      "id" : "filters",
      "additionalProperties" : false,
      "properties" : {
        "nom" : {
          "type" : "string"
        },
        "idParrain" : {
          "type" : "integer"
        },
        "communeCode" : {
          "type" : "string"
        },
        "communeCodePostal" : {
          "type" : "string"
        },
        "types" : {
          "type" : "array",
          "additionalItems" : false,
          "items" : {
            "type" : "string"
          }
        },
        "idProjet" : {
          "type" : "integer"
        },
        "typeProjet" : {
          "type" : "string"
        },
        "statutProjet" : {
          "type" : "string",
          "enum" : [ "NON_DETERMINE", "DEMONSTRATION", "DEVELOPPEMENT", "PRODUCTION" ]
        },
        "idSecteur" : {
          "type" : "integer"
        },
        "nomSecteur" : {
          "type" : "string"
        },
        "userStatus" : {
          "type" : "string",
          "enum" : [ "TOUS", "ACTIFS", "INACTIFS" ]
        }
      }
    }
  }
}
"""#
        case .apiMembresCollaborateursRequete: return #"""
{
  "type" : "object",
  "id" : "apiMembresCollaborateursRequete",
  "additionalProperties" : false,
  "properties" : {
    "apiKey" : {
      "type" : "string"
    },
    "projetId" : {
      "type" : "integer"
    },
    "referenceIds" : {
      "type" : "array",
      "additionalItems" : false,
      "items" : {
        "type" : "integer"
      }
    }
  }
}
"""#
        case .apiMetadonneesInputBeanRequete: return #"""
{
  "type" : "object",
  "id" : "apiMetadonneesInputBeanRequete",
  "additionalProperties" : false,
  "properties" : {
    "referenceId" : {
      "type" : "integer"
    },
    "node" : {
      "type" : "string"
    },
    "action" : {
      "type" : "string",
      "enum" : [ "ADD", "REMOVE" ]
    },
    "metadata" : {
      "type" : "object",
      "additionalProperties" : false,
      "properties" : {
        "general" : {
          "type" : "string"
        },
        "membres" : {
          "type" : "array",
          "additionalItems" : false,
          "items" : {
            "type" : "object",
            "additionalProperties" : false,
            "properties" : {
              "targetId" : {
                "type" : "integer"
              },
              "jsonData" : {
                "type" : "string"
              }
            }
          }
        },
        "projets" : {
          "type" : "array",
          "additionalItems" : false,
          "items" : {
            "type" : "object",
            "additionalProperties" : false,
            "properties" : {
              "targetId" : {
                "type" : "integer"
              },
              "jsonData" : {
                "type" : "string"
              }
            }
          }
        }
      }
    },
    "targetType" : {
      "type" : "string"
    },
    "targetId" : {
      "type" : "integer"
    }
  }
}
"""#
        case .apiMetadonneesRequete: return #"""
{
  "type" : "array",
  "id" : "apiMetadonneesRequete",
  "items" : [ {
    "type" : "object",
    "id" : "apiMetadonneesInputBeanRequete",
    "additionalProperties" : false,
    "properties" : {
      "referenceId" : {
        "type" : "integer"
      },
      "node" : {
        "type" : "string"
      },
      "action" : {
        "type" : "string",
        "enum" : [ "ADD", "REMOVE" ]
      },
      "metadata" : {
        "type" : "object",
        "additionalProperties" : false,
        "properties" : {
          "general" : {
            "type" : "string"
          },
          "membres" : {
            "type" : "array",
            "additionalItems" : false,
            "items" : {
              "type" : "object",
              "additionalProperties" : false,
              "properties" : {
                "targetId" : {
                  "type" : "integer"
                },
                "jsonData" : {
                  "type" : "string"
                }
              }
            }
          },
          "projets" : {
            "type" : "array",
            "additionalItems" : false,
            "items" : {
              "type" : "object",
              "additionalProperties" : false,
              "properties" : {
                "targetId" : {
                  "type" : "integer"
                },
                "jsonData" : {
                  "type" : "string"
                }
              }
            }
          }
        }
      },
      "targetType" : {
        "type" : "string"
      },
      "targetId" : {
        "type" : "integer"
      }
    }
  } ]
}
"""#
        case .apiObjetsTouristiquesGetByIdRequete: return #"""
{
  "type" : "object",
  "id" : "apiObjetsTouristiquesGetByIdRequete",
  "additionalProperties" : false,
  "properties" : {
    "apiKey" : {
      "type" : "string"
    },
    "projetId" : {
      "type" : "integer"
    },
    "responseFields" : {
      "type" : "array",
      "additionalItems" : false,
      "items" : {
        "type" : "string"
      }
    },
    "locales" : {
      "type" : "array",
      "additionalItems" : false,
      "items" : {
        "type" : "string"
      }
    }
  }
}
"""#
        case .apiObjetsTouristiquesRequete: return #"""
{
  "type" : "object",
  "id" : "apiObjetsTouristiquesRequete",
  "additionalProperties" : false,
  "properties" : {
    "identifiants" : {
      "type" : "array",
      "additionalItems" : false,
      "items" : {
        "type" : "integer"
      }
    },
    "identifiers" : {
      "type" : "array",
      "additionalItems" : false,
      "items" : {
        "type" : "string"
      }
    },
    "listeEnregistreeId" : {
      "type" : "integer"
    },
    "selectionIds" : {
      "type" : "array",
      "additionalItems" : false,
      "items" : {
        "type" : "integer"
      }
    },
    "center" : {
      "type" : "object",
      "id" : "geoJson",
      "additionalProperties" : false,
      "properties" : {
        "type" : {
          "type" : "string"
        },
        "coordinates" : {
          "type" : "array",
          "additionalItems" : false,
          "items" : {
            "type" : "number"
          }
        }
      }
    },
    "radius" : {
      "type" : "integer"
    },
    "communeCodesInsee" : {
      "type" : "array",
      "additionalItems" : false,
      "items" : {
        "type" : "string"
      }
    },
    "territoireIds" : {
      "type" : "array",
      "additionalItems" : false,
      "items" : {
        "type" : "integer"
      }
    },
    "searchQuery" : {
      "type" : "string"
    },
    "searchFields" : {
      "type" : "string",
      "enum" : [ "NOM", "NOM_DESCRIPTION", "NOM_DESCRIPTION_CRITERES" ]
    },
    "criteresQuery" : {
      "type" : "string"
    },
    "dateDebut" : {
      "type" : "string",
      "format" : "date"
    },
    "dateFin" : {
      "type" : "string",
      "format" : "date"
    },
    "first" : {
      "type" : "integer"
    },
    "count" : {
      "type" : "integer"
    },
    "order" : {
      "type" : "string",
      "enum" : [ "PERTINENCE", "NOM", "DISTANCE", "IDENTIFIANT", "DATE_OUVERTURE", "RANDOM" ]
    },
    "asc" : {
      "type" : "boolean"
    },
    "locales" : {
      "type" : "array",
      "additionalItems" : false,
      "items" : {
        "type" : "string"
      }
    },
    "responseFields" : {
      "type" : "array",
      "additionalItems" : false,
      "items" : {
        "type" : "string"
      }
    },
    "apiKey" : {
      "type" : "string"
    },
    "projetId" : {
      "type" : "integer"
    },
    "randomSeed" : {
      "type" : "string"
    },
    "membreProprietaireIds" : {
      "type" : "array",
      "additionalItems" : false,
      "items" : {
        "type" : "integer"
      }
    },
    "membreProprietaireIdGmcs" : {
      "type" : "array",
      "additionalItems" : false,
      "items" : {
        "type" : "integer"
      }
    },
    "searchLocale" : {
      "type" : "string"
    },
    "modifieApres" : {
      "type" : "string",
      "format" : "date"
    },
    "dureeMin" : {
      "type" : "integer"
    },
    "dureeMax" : {
      "type" : "integer"
    }
  }
}
"""#
        case .apiReferentielCommunesRequete: return #"""
{
  "type" : "object",
  "id" : "apiReferentielCommunesRequete",
  "additionalProperties" : false,
  "properties" : {
    "apiKey" : {
      "type" : "string"
    },
    "projetId" : {
      "type" : "integer"
    },
    "communeIds" : {
      "type" : "array",
      "additionalItems" : false,
      "items" : {
        "type" : "integer"
      }
    },
    "codesInsee" : {
      "type" : "array",
      "additionalItems" : false,
      "items" : {
        "type" : "string"
      }
    }
  }
}
"""#
        case .apiReferentielCriteresInternesRequete: return #"""
{
  "type" : "object",
  "id" : "apiReferentielCriteresInternesRequete",
  "additionalProperties" : false,
  "properties" : {
    "apiKey" : {
      "type" : "string"
    },
    "projetId" : {
      "type" : "integer"
    },
    "critereInterneIds" : {
      "type" : "array",
      "additionalItems" : false,
      "items" : {
        "type" : "integer"
      }
    }
  }
}
"""#
        case .apiReferentielElementsReferenceRequete: return #"""
{
  "type" : "object",
  "id" : "apiReferentielElementsReferenceRequete",
  "additionalProperties" : false,
  "properties" : {
    "apiKey" : {
      "type" : "string"
    },
    "projetId" : {
      "type" : "integer"
    },
    "elementReferenceIds" : {
      "type" : "array",
      "additionalItems" : false,
      "items" : {
        "type" : "integer"
      }
    }
  }
}
"""#
        case .apiReferentielSelectionsObjetsRequete: return #"""
{
  "type" : "object",
  "id" : "apiReferentielSelectionsObjetsRequete",
  "additionalProperties" : false,
  "properties" : {
    "apiKey" : {
      "type" : "string"
    },
    "projetId" : {
      "type" : "integer"
    },
    "selectionIds" : {
      "type" : "array",
      "additionalItems" : false,
      "items" : {
        "type" : "integer"
      }
    },
    "referenceIds" : {
      "type" : "array",
      "additionalItems" : false,
      "items" : {
        "type" : "integer"
      }
    }
  }
}
"""#
        case .apiReferentielSelectionsRequete: return #"""
{
  "type" : "object",
  "id" : "apiReferentielSelectionsRequete",
  "additionalProperties" : false,
  "properties" : {
    "apiKey" : {
      "type" : "string"
    },
    "projetId" : {
      "type" : "integer"
    },
    "selectionIds" : {
      "type" : "array",
      "additionalItems" : false,
      "items" : {
        "type" : "integer"
      }
    }
  }
}
"""#
        case .apiTraductionMembreDeeplRequete: return #"""
{
  "type" : "object",
  "id" : "apiTraductionMembreDeeplRequete",
  "additionalProperties" : false,
  "properties" : {
    "membreId" : {
      "type" : "integer"
    },
    "credit" : {
      "type" : "integer",
      "required" : true
    },
    "dateValidite" : {
      "type" : "string",
      "format" : "date-time"
    }
  }
}
"""#
        case .guichetMembreGetByIdRequete: return Self.membreGetByIdText
        }
    }
}
