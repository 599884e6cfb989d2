#!/usr/bin/env python3
"""Prints the subset of the démarches-simplifiées schema the sandbox serves.

  python3 scripts/dev/ds-subset-schema.py path/to/schema.graphql > Sources/Services/DS/Fake/Resources/ds-sandbox.graphql

Keeps the types below; drops every field or argument whose type is not kept.
(The test suite checks that the result agrees with the real schema.)"""
import sys
from graphql import build_schema, GraphQLObjectType, GraphQLInterfaceType, GraphQLInputObjectType, GraphQLEnumType, GraphQLScalarType, GraphQLUnionType, get_named_type

KEEP = """
Query Mutation Demarche DemarcheDescriptor Dossier GroupeInstructeur GroupeInstructeurWithDossiers Profile Label File
Message Correction Revision Service Traitement Demandeur PersonnePhysique PersonneMorale DossierConnection DossierEdge PageInfo
DeletedDossier DeletedDossierConnection DeletedDossierEdge DirectUpload ValidationError
Champ TextChamp CheckboxChamp YesNoChamp IntegerNumberChamp DecimalNumberChamp DateChamp DatetimeChamp DropDownListChamp
MultipleDropDownListChamp LinkedDropDownListChamp PieceJustificativeChamp RepetitionChamp Row
ChampDescriptor TextChampDescriptor TextareaChampDescriptor CheckboxChampDescriptor YesNoChampDescriptor IntegerNumberChampDescriptor
DecimalNumberChampDescriptor DateChampDescriptor DatetimeChampDescriptor DropDownListChampDescriptor MultipleDropDownListChampDescriptor
PieceJustificativeChampDescriptor RepetitionChampDescriptor
DossierState DemarcheState Civilite CorrectionReason DeletedDossierReason LabelColorEnum TypeDeChamp TraitementEvent Order
DossierDeclarativeState ConnectionUsager TypeOrganisme
ISO8601DateTime ISO8601Date BigInt URL ID String Int Float Boolean
FindDemarcheInput AnnotationInput AnnotationValueInput
""".split()
MUTATIONS = """createDirectUpload dossierPasserEnInstruction dossierAccepter dossierRefuser dossierClasserSansSuite
dossierRepasserEnConstruction dossierRepasserEnInstruction dossierArchiver dossierDesarchiver dossierBasculeSuivi
dossierEnvoyerMessage dossierAjouterLabel dossierSupprimerLabel dossierChangerGroupeInstructeur dossierModifierAnnotations""".split()
for m in MUTATIONS:
    cap = m[0].upper() + m[1:]
    KEEP += [cap + "Input", cap + "Payload"]
keep = set(KEEP)

schema = build_schema(open(sys.argv[1]).read())
out = ["# The part of the démarches-simplifiées GraphQL schema guichet's sandbox serves.",
       "# Derived from the published schema by scripts/dev/ds-subset-schema.py; a test checks they agree.",
       "directive @oneOf on INPUT_OBJECT", ""]

def arg_text(args):
    parts = []
    for name, arg in args.items():
        if get_named_type(arg.type).name not in keep:
            continue
        default = ""
        if arg.default_value is not None and not isinstance(arg.default_value, type(None)):
            from graphql import ast_from_value, print_ast
            node = ast_from_value(arg.default_value, arg.type)
            if node is not None:
                default = " = " + print_ast(node)
        parts.append(f"{name}: {arg.type}{default}")
    return "(" + ", ".join(parts) + ")" if parts else ""

for name in KEEP:
    if name in ("ID", "String", "Int", "Float", "Boolean"):
        continue
    t = schema.type_map[name]
    if isinstance(t, GraphQLScalarType):
        out.append(f"scalar {name}\n")
    elif isinstance(t, GraphQLEnumType):
        out.append(f"enum {name} {{\n" + "".join(f"  {v}\n" for v in t.values) + "}\n")
    elif isinstance(t, (GraphQLObjectType, GraphQLInterfaceType)):
        kind = "type" if isinstance(t, GraphQLObjectType) else "interface"
        interfaces = [i.name for i in t.interfaces if i.name in keep]
        impl = " implements " + " & ".join(interfaces) if interfaces else ""
        lines = []
        for fname, f in t.fields.items():
            if get_named_type(f.type).name not in keep:
                continue
            if name == "Mutation" and fname not in MUTATIONS:
                continue
            dep = f' @deprecated(reason: "{f.deprecation_reason}")' if f.deprecation_reason else ""
            lines.append(f"  {fname}{arg_text(f.args)}: {f.type}{dep}\n")
        out.append(f"{kind} {name}{impl} {{\n" + "".join(lines) + "}\n")
    elif isinstance(t, GraphQLInputObjectType):
        one_of = " @oneOf" if name in ("AnnotationValueInput", "FindDemarcheInput") else ""
        lines = []
        for fname, f in t.fields.items():
            if get_named_type(f.type).name not in keep:
                continue
            default = ""
            if f.default_value is not None:
                from graphql import ast_from_value, print_ast
                node = ast_from_value(f.default_value, f.type)
                if node is not None:
                    default = " = " + print_ast(node)
            lines.append(f"  {fname}: {f.type}{default}\n")
        out.append(f"input {name}{one_of} {{\n" + "".join(lines) + "}\n")
print("\n".join(out))
