"""Catalogue data for the sandbox's targeting endpoints (snapdesk/sandbox/targeting.py).

Shapes follow reference/snap-targeting.md §1.2. Sources, strongest first:
- SLC tree: the 124 items of a 2019 dump of `/targeting/interests/scls` [CODE OQ8
  `interesetNames.js` f797ded] (ids, names, parents; paths are `/Parent/Child` and rebuilt from
  the tree, which matches the dump exactly), plus four ids the sandbox's seeded squads target that
  the dump doesn't have (SLC_229 is real [REC AB-rec]; the names of all four are [GUESS]).
- Countries: ISO 3166 codes and names; ids are GeoNames ids [GUESS §1.2: "US 6252001"].
- US regions: the 50 states and DC in alphabetical order, numbered from "1", which gives Arizona "3"
  and Texas "44" as in the docs' example spec [DOC example-targeting-specs]. Other countries' region
  ids are opaque 5-digit strings like OQ8's KW "25678" [CODE OQ8]; names are the real subdivisions.
- US metros: Nielsen DMA codes and names; `regions` is a string [CODE GH MetroRoot].
- Postal codes: generated, deterministic, real-looking ZIP / outward codes / FSAs per city.
- Everything else (age groups, genders, languages, devices, other interest sources): real names,
  [GUESS] ids, sized like Singer's 2020 run where it matters [REC-count].
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

JsonObj = dict[str, Any]

# --------------------------------------------------------------------------- continents

# GeoNames continent ids.
CONTINENTS: Mapping[str, tuple[str, str]] = {
    "AF": ("6255146", "Africa"),
    "AS": ("6255147", "Asia"),
    "EU": ("6255148", "Europe"),
    "NA": ("6255149", "North America"),
    "SA": ("6255150", "South America"),
    "OC": ("6255151", "Oceania"),
}

# --------------------------------------------------------------------------- countries

# (iso2, iso3, name, GeoNames id, continent, Snapchat users 13+ [GUESS, for audience size])
COUNTRY_ROWS: tuple[tuple[str, str, str, str, str, int], ...] = (
    ("us", "usa", "United States", "6252001", "NA", 100_000_000),
    ("ca", "can", "Canada", "6251999", "NA", 10_500_000),
    ("mx", "mex", "Mexico", "3996063", "NA", 24_000_000),
    ("gb", "gbr", "United Kingdom", "2635167", "EU", 22_000_000),
    ("ie", "irl", "Ireland", "2963597", "EU", 2_200_000),
    ("fr", "fra", "France", "3017382", "EU", 27_000_000),
    ("de", "deu", "Germany", "2921044", "EU", 13_000_000),
    ("at", "aut", "Austria", "2782113", "EU", 2_300_000),
    ("ch", "che", "Switzerland", "2658434", "EU", 2_500_000),
    ("nl", "nld", "Netherlands", "2750405", "EU", 6_800_000),
    ("be", "bel", "Belgium", "2802361", "EU", 4_000_000),
    ("lu", "lux", "Luxembourg", "2960313", "EU", 250_000),
    ("es", "esp", "Spain", "2510769", "EU", 7_000_000),
    ("pt", "prt", "Portugal", "2264397", "EU", 1_500_000),
    ("it", "ita", "Italy", "3175395", "EU", 6_000_000),
    ("gr", "grc", "Greece", "390903", "EU", 2_000_000),
    ("se", "swe", "Sweden", "2661886", "EU", 4_200_000),
    ("no", "nor", "Norway", "3144096", "EU", 3_300_000),
    ("dk", "dnk", "Denmark", "2623032", "EU", 2_700_000),
    ("fi", "fin", "Finland", "660013", "EU", 1_900_000),
    ("is", "isl", "Iceland", "2629691", "EU", 150_000),
    ("pl", "pol", "Poland", "798544", "EU", 5_500_000),
    ("cz", "cze", "Czechia", "3077311", "EU", 1_300_000),
    ("sk", "svk", "Slovakia", "3057568", "EU", 600_000),
    ("hu", "hun", "Hungary", "719819", "EU", 1_100_000),
    ("ro", "rou", "Romania", "798549", "EU", 3_000_000),
    ("bg", "bgr", "Bulgaria", "732800", "EU", 900_000),
    ("hr", "hrv", "Croatia", "3202326", "EU", 700_000),
    ("si", "svn", "Slovenia", "3190538", "EU", 300_000),
    ("ee", "est", "Estonia", "453733", "EU", 250_000),
    ("lv", "lva", "Latvia", "458258", "EU", 350_000),
    ("lt", "ltu", "Lithuania", "597427", "EU", 600_000),
    ("ua", "ukr", "Ukraine", "690791", "EU", 1_500_000),
    ("tr", "tur", "Turkey", "298795", "AS", 9_000_000),
    ("il", "isr", "Israel", "294640", "AS", 2_000_000),
    ("sa", "sau", "Saudi Arabia", "102358", "AS", 22_000_000),
    ("ae", "are", "United Arab Emirates", "290557", "AS", 5_000_000),
    ("kw", "kwt", "Kuwait", "285570", "AS", 2_400_000),
    ("qa", "qat", "Qatar", "289688", "AS", 1_300_000),
    ("bh", "bhr", "Bahrain", "290291", "AS", 700_000),
    ("om", "omn", "Oman", "286963", "AS", 2_000_000),
    ("jo", "jor", "Jordan", "248816", "AS", 2_300_000),
    ("lb", "lbn", "Lebanon", "272103", "AS", 1_200_000),
    ("iq", "irq", "Iraq", "99237", "AS", 10_000_000),
    ("in", "ind", "India", "1269750", "AS", 200_000_000),
    ("pk", "pak", "Pakistan", "1168579", "AS", 25_000_000),
    ("bd", "bgd", "Bangladesh", "1210997", "AS", 8_000_000),
    ("jp", "jpn", "Japan", "1861060", "AS", 5_000_000),
    ("kr", "kor", "South Korea", "1835841", "AS", 1_500_000),
    ("tw", "twn", "Taiwan", "1668284", "AS", 1_000_000),
    ("hk", "hkg", "Hong Kong", "1819730", "AS", 800_000),
    ("sg", "sgp", "Singapore", "1880251", "AS", 1_300_000),
    ("my", "mys", "Malaysia", "1733045", "AS", 4_000_000),
    ("id", "idn", "Indonesia", "1643084", "AS", 12_000_000),
    ("ph", "phl", "Philippines", "1694008", "AS", 12_000_000),
    ("th", "tha", "Thailand", "1605651", "AS", 4_000_000),
    ("vn", "vnm", "Vietnam", "1562822", "AS", 3_000_000),
    ("au", "aus", "Australia", "2077456", "OC", 8_000_000),
    ("nz", "nzl", "New Zealand", "2186224", "OC", 1_800_000),
    ("eg", "egy", "Egypt", "357994", "AF", 14_000_000),
    ("ma", "mar", "Morocco", "2542007", "AF", 8_000_000),
    ("dz", "dza", "Algeria", "2589581", "AF", 9_000_000),
    ("tn", "tun", "Tunisia", "2464461", "AF", 2_000_000),
    ("ng", "nga", "Nigeria", "2328926", "AF", 9_000_000),
    ("ke", "ken", "Kenya", "192950", "AF", 3_000_000),
    ("gh", "gha", "Ghana", "2300660", "AF", 2_500_000),
    ("za", "zaf", "South Africa", "953987", "AF", 5_000_000),
    ("br", "bra", "Brazil", "3469034", "SA", 30_000_000),
    ("ar", "arg", "Argentina", "3865483", "SA", 6_000_000),
    ("cl", "chl", "Chile", "3895114", "SA", 3_000_000),
    ("co", "col", "Colombia", "3686110", "SA", 6_000_000),
    ("pe", "per", "Peru", "3932488", "SA", 4_000_000),
)

# --------------------------------------------------------------------------- regions

# US: alphabetical with DC, numbered from 1 -> Arizona "3", Texas "44" [DOC example spec].
US_STATES: tuple[tuple[str, str], ...] = (
    ("al", "Alabama"), ("ak", "Alaska"), ("az", "Arizona"), ("ar", "Arkansas"),
    ("ca", "California"), ("co", "Colorado"), ("ct", "Connecticut"), ("de", "Delaware"),
    ("dc", "District of Columbia"), ("fl", "Florida"), ("ga", "Georgia"), ("hi", "Hawaii"),
    ("id", "Idaho"), ("il", "Illinois"), ("in", "Indiana"), ("ia", "Iowa"), ("ks", "Kansas"),
    ("ky", "Kentucky"), ("la", "Louisiana"), ("me", "Maine"), ("md", "Maryland"),
    ("ma", "Massachusetts"), ("mi", "Michigan"), ("mn", "Minnesota"), ("ms", "Mississippi"),
    ("mo", "Missouri"), ("mt", "Montana"), ("ne", "Nebraska"), ("nv", "Nevada"),
    ("nh", "New Hampshire"), ("nj", "New Jersey"), ("nm", "New Mexico"), ("ny", "New York"),
    ("nc", "North Carolina"), ("nd", "North Dakota"), ("oh", "Ohio"), ("ok", "Oklahoma"),
    ("or", "Oregon"), ("pa", "Pennsylvania"), ("ri", "Rhode Island"), ("sc", "South Carolina"),
    ("sd", "South Dakota"), ("tn", "Tennessee"), ("tx", "Texas"), ("ut", "Utah"),
    ("vt", "Vermont"), ("va", "Virginia"), ("wa", "Washington"), ("wv", "West Virginia"),
    ("wi", "Wisconsin"), ("wy", "Wyoming"),
)  # fmt: skip

# Other countries: (code, name); ids are assigned from REGION_ID_BASE below.
OTHER_REGIONS: Mapping[str, tuple[tuple[str, str], ...]] = {
    "gb": (
        ("eng-ne", "North East England"), ("eng-nw", "North West England"),
        ("eng-yh", "Yorkshire and the Humber"), ("eng-em", "East Midlands"),
        ("eng-wm", "West Midlands"), ("eng-ee", "East of England"), ("eng-lon", "London"),
        ("eng-se", "South East England"), ("eng-sw", "South West England"),
        ("sct", "Scotland"), ("wls", "Wales"), ("nir", "Northern Ireland"),
    ),
    "ca": (
        ("ab", "Alberta"), ("bc", "British Columbia"), ("mb", "Manitoba"),
        ("nb", "New Brunswick"), ("nl", "Newfoundland and Labrador"),
        ("ns", "Nova Scotia"), ("nt", "Northwest Territories"), ("nu", "Nunavut"),
        ("on", "Ontario"), ("pe", "Prince Edward Island"), ("qc", "Québec"),
        ("sk", "Saskatchewan"), ("yt", "Yukon"),
    ),
    "de": (
        ("bw", "Baden-Württemberg"), ("by", "Bayern"), ("be", "Berlin"), ("bb", "Brandenburg"),
        ("hb", "Bremen"), ("hh", "Hamburg"), ("he", "Hessen"),
        ("mv", "Mecklenburg-Vorpommern"), ("ni", "Niedersachsen"),
        ("nw", "Nordrhein-Westfalen"), ("rp", "Rheinland-Pfalz"), ("sl", "Saarland"),
        ("sn", "Sachsen"), ("st", "Sachsen-Anhalt"), ("sh", "Schleswig-Holstein"),
        ("th", "Thüringen"),
    ),
    "fr": (
        ("ara", "Auvergne-Rhône-Alpes"), ("bfc", "Bourgogne-Franche-Comté"),
        ("bre", "Bretagne"), ("cvl", "Centre-Val de Loire"), ("cor", "Corse"),
        ("ges", "Grand Est"), ("hdf", "Hauts-de-France"), ("idf", "Île-de-France"),
        ("nor", "Normandie"), ("naq", "Nouvelle-Aquitaine"), ("occ", "Occitanie"),
        ("pdl", "Pays de la Loire"), ("pac", "Provence-Alpes-Côte d'Azur"),
    ),
    "au": (
        ("act", "Australian Capital Territory"), ("nsw", "New South Wales"),
        ("nt", "Northern Territory"), ("qld", "Queensland"), ("sa", "South Australia"),
        ("tas", "Tasmania"), ("vic", "Victoria"), ("wa", "Western Australia"),
    ),
    "pl": (
        ("ds", "Dolnośląskie"), ("kp", "Kujawsko-Pomorskie"), ("lu", "Lubelskie"),
        ("lb", "Lubuskie"), ("ld", "Łódzkie"), ("ma", "Małopolskie"), ("mz", "Mazowieckie"),
        ("op", "Opolskie"), ("pk", "Podkarpackie"), ("pd", "Podlaskie"), ("pm", "Pomorskie"),
        ("sl", "Śląskie"), ("sk", "Świętokrzyskie"), ("wn", "Warmińsko-Mazurskie"),
        ("wp", "Wielkopolskie"), ("zp", "Zachodniopomorskie"),
    ),
    "mx": (
        ("cmx", "Ciudad de México"), ("jal", "Jalisco"), ("nle", "Nuevo León"),
        ("mex", "Estado de México"), ("pue", "Puebla"), ("gua", "Guanajuato"),
        ("ver", "Veracruz"), ("bcn", "Baja California"), ("yuc", "Yucatán"),
        ("roo", "Quintana Roo"),
    ),
    # OQ8's region ids for the Gulf [CODE OQ8 AdDetails/data.js]: Ahmadi 25678/ah, Dubai
    # 25153/du, Riyadh 12208/01; the others are numbered next to them [GUESS].
    "kw": (("ah", "Ahmadi"), ("ku", "Al Asimah"), ("fa", "Farwaniya"), ("ha", "Hawalli"),
           ("ja", "Jahra"), ("mu", "Mubarak Al-Kabeer")),
    "ae": (("du", "Dubai"), ("az", "Abu Dhabi"), ("sh", "Sharjah"), ("aj", "Ajman"),
           ("rk", "Ras Al Khaimah"), ("fu", "Fujairah"), ("uq", "Umm Al Quwain")),
    "sa": (("01", "Riyadh"), ("02", "Makkah"), ("03", "Al Madinah"), ("04", "Eastern Province"),
           ("05", "Al-Qassim"), ("06", "Ha'il"), ("07", "Tabuk"), ("08", "Northern Borders"),
           ("09", "Jazan"), ("10", "Najran"), ("11", "Al Bahah"), ("12", "Al Jawf"),
           ("14", "Asir")),
}  # fmt: skip

# First id of each country's regions (opaque 5-digit strings); the Gulf ones start at the ids
# OQ8 shows for their first entry.
REGION_ID_BASE: Mapping[str, int] = {
    "gb": 21001, "ca": 22001, "de": 23001, "fr": 24001, "au": 26001, "pl": 27001,
    "mx": 28001, "kw": 25678, "ae": 25153, "sa": 12208,
}  # fmt: skip

# --------------------------------------------------------------------------- metros

# US Designated Market Areas: (Nielsen DMA code, name, states it covers); Snap's `regions` is a
# string [CODE GH MetroRoot; §1.2], here the states' codes joined by commas.
US_METROS: tuple[tuple[str, str, str], ...] = (
    ("501", "New York", "ny,nj,ct,pa"),
    ("803", "Los Angeles", "ca"),
    ("602", "Chicago", "il,in"),
    ("504", "Philadelphia", "pa,nj,de"),
    ("623", "Dallas-Ft. Worth", "tx"),
    ("807", "San Francisco-Oakland-San Jose", "ca"),
    ("618", "Houston", "tx"),
    ("511", "Washington, DC (Hagerstown, MD)", "dc,md,va,wv,pa"),
    ("506", "Boston (Manchester)", "ma,nh,vt"),
    ("524", "Atlanta", "ga,al,nc"),
    ("753", "Phoenix (Prescott)", "az"),
    ("539", "Tampa-St. Petersburg (Sarasota)", "fl"),
    ("819", "Seattle-Tacoma", "wa"),
    ("505", "Detroit", "mi"),
    ("613", "Minneapolis-St. Paul", "mn,wi"),
    ("528", "Miami-Ft. Lauderdale", "fl"),
    ("751", "Denver", "co,ne,wy"),
    ("534", "Orlando-Daytona Beach-Melbourne", "fl"),
    ("510", "Cleveland-Akron (Canton)", "oh"),
    ("862", "Sacramento-Stockton-Modesto", "ca"),
    ("517", "Charlotte", "nc,sc"),
    ("820", "Portland, OR", "or,wa"),
    ("560", "Raleigh-Durham (Fayetteville)", "nc"),
    ("609", "St. Louis", "mo,il"),
    ("527", "Indianapolis", "in"),
    ("508", "Pittsburgh", "pa,wv,md"),
    ("659", "Nashville", "tn,ky"),
    ("512", "Baltimore", "md"),
    ("770", "Salt Lake City", "ut,id,nv,wy"),
    ("825", "San Diego", "ca"),
    ("641", "San Antonio", "tx"),
    ("533", "Hartford & New Haven", "ct"),
    ("616", "Kansas City", "mo,ks"),
    ("535", "Columbus, OH", "oh"),
    ("635", "Austin", "tx"),
    ("515", "Cincinnati", "oh,ky,in"),
    ("617", "Milwaukee", "wi"),
    ("567", "Greenville-Spartanburg-Asheville-Anderson", "sc,nc,ga"),
    ("548", "West Palm Beach-Ft. Pierce", "fl"),
    ("839", "Las Vegas", "nv"),
    ("561", "Jacksonville", "fl,ga"),
    ("650", "Oklahoma City", "ok"),
    ("563", "Grand Rapids-Kalamazoo-Battle Creek", "mi"),
    ("566", "Harrisburg-Lancaster-Lebanon-York", "pa"),
    ("630", "Birmingham (Anniston and Tuscaloosa)", "al"),
    ("544", "Norfolk-Portsmouth-Newport News", "va,nc"),
    ("518", "Greensboro-High Point-Winston Salem", "nc,va"),
    ("790", "Albuquerque-Santa Fe", "nm,co,az"),
    ("529", "Louisville", "ky,in"),
    ("622", "New Orleans", "la,ms"),
    ("640", "Memphis", "tn,ms,ar"),
    ("521", "Providence-New Bedford", "ri,ma"),
    ("514", "Buffalo", "ny,pa"),
    ("866", "Fresno-Visalia", "ca"),
    ("556", "Richmond-Petersburg", "va"),
    ("577", "Wilkes Barre-Scranton-Hazleton", "pa"),
    ("693", "Little Rock-Pine Bluff", "ar"),
    ("532", "Albany-Schenectady-Troy", "ny,ma,vt"),
    ("557", "Knoxville", "tn,ky"),
    ("686", "Mobile-Pensacola (Ft. Walton Beach)", "al,fl,ms"),
    ("671", "Tulsa", "ok,ks"),
    ("541", "Lexington", "ky"),
    ("571", "Ft. Myers-Naples", "fl"),
    ("542", "Dayton", "oh"),
    ("789", "Tucson (Sierra Vista)", "az"),
    ("744", "Honolulu", "hi"),
    ("881", "Spokane", "wa,id"),
    ("679", "Des Moines-Ames", "ia"),
    ("658", "Green Bay-Appleton", "wi,mi"),
    ("573", "Roanoke-Lynchburg", "va,wv"),
    ("678", "Wichita-Hutchinson Plus", "ks"),
    ("513", "Flint-Saginaw-Bay City", "mi"),
    ("652", "Omaha", "ne,ia"),
    ("619", "Springfield, MO", "mo,ar"),
    ("691", "Huntsville-Decatur (Florence)", "al,tn"),
    ("546", "Columbia, SC", "sc"),
    ("669", "Madison", "wi"),
    ("500", "Portland-Auburn", "me,nh"),
    ("538", "Rochester, NY", "ny"),
    ("636", "Harlingen-Weslaco-Brownsville-McAllen", "tx"),
    ("547", "Toledo", "oh,mi"),
    ("564", "Charleston-Huntington", "wv,ky,oh"),
    ("625", "Waco-Temple-Bryan", "tx"),
    ("507", "Savannah", "ga,sc"),
    ("519", "Charleston, SC", "sc"),
    ("575", "Chattanooga", "tn,ga,al,nc"),
    ("752", "Colorado Springs-Pueblo", "co"),
    ("555", "Syracuse", "ny"),
    ("765", "El Paso (Las Cruces)", "tx,nm"),
    ("632", "Paducah-Cape Girardeau-Harrisburg", "ky,mo,il,tn"),
    ("612", "Shreveport", "la,ar,tx"),
    ("648", "Champaign & Springfield-Decatur", "il"),
    ("523", "Burlington-Plattsburgh", "vt,ny,nh"),
    ("637", "Cedar Rapids-Waterloo-Iowa City & Dubuque", "ia"),
    ("716", "Baton Rouge", "la,ms"),
    ("670", "Ft. Smith-Fayetteville-Springdale-Rogers", "ar,ok"),
    ("570", "Myrtle Beach-Florence", "sc,nc"),
    ("757", "Boise", "id,or"),
    ("718", "Jackson, MS", "ms"),
    ("588", "South Bend-Elkhart", "in,mi"),
    ("531", "Tri-Cities, TN-VA", "tn,va"),
    ("545", "Greenville-New Bern-Washington", "nc"),
    ("811", "Reno", "nv,ca"),
    ("682", "Davenport-Rock Island-Moline", "ia,il"),
    ("530", "Tallahassee-Thomasville", "fl,ga"),
    ("649", "Evansville", "in,ky,il"),
    ("574", "Johnstown-Altoona-State College", "pa"),
    ("536", "Youngstown", "oh,pa"),
    ("722", "Lincoln & Hastings-Kearney", "ne,ks"),
    ("520", "Augusta-Aiken", "ga,sc"),
    ("743", "Anchorage", "ak"),
    ("724", "Fargo-Valley City", "nd,mn"),
    ("725", "Sioux Falls (Mitchell)", "sd,mn,ia"),
    ("828", "Monterey-Salinas", "ca"),
    ("855", "Santa Barbara-Santa Maria-San Luis Obispo", "ca"),
    ("801", "Eugene", "or"),
    ("810", "Yakima-Pasco-Richland-Kennewick", "wa"),
    ("800", "Bakersfield", "ca"),
    ("804", "Palm Springs", "ca"),
    ("600", "Corpus Christi", "tx"),
    ("634", "Amarillo", "tx,nm,ok"),
    ("651", "Lubbock", "tx"),
    ("633", "Odessa-Midland", "tx"),
    ("749", "Laredo", "tx"),
    ("676", "Duluth-Superior", "mn,wi"),
    ("610", "Rockford", "il"),
    ("675", "Peoria-Bloomington", "il"),
    ("605", "Topeka", "ks"),
    ("554", "Wheeling-Steubenville", "wv,oh"),
    ("516", "Erie", "pa"),
    ("537", "Bangor", "me"),
    ("762", "Missoula", "mt"),
    ("756", "Billings", "mt,wy"),
    ("755", "Great Falls", "mt"),
    ("759", "Cheyenne-Scottsbluff", "wy,ne"),
    ("767", "Casper-Riverton", "wy"),
    ("764", "Rapid City", "sd,wy,ne"),
    ("687", "Minot-Bismarck-Dickinson (Williston)", "nd"),
    ("526", "Utica", "ny"),
)

# --------------------------------------------------------------------------- postal codes

# US ZIP codes: (3-digit prefix, city, state, DMA code). Each prefix gives the codes
# prefix + "01" .. prefix + f"{US_ZIPS_PER_PREFIX:02d}" (real-looking, not all real) — enough to
# need two pages at limit=1000 [§7 item 2]. The recorded "30090" (Marietta) and the docs' "94105"
# are among them [REC k0va1; CODE Singer].
US_ZIPS_PER_PREFIX = 99
US_ZIP_AREAS: tuple[tuple[str, str, str, str], ...] = (
    ("100", "New York", "ny", "501"), ("112", "Brooklyn", "ny", "501"),
    ("070", "Newark", "nj", "501"), ("900", "Los Angeles", "ca", "803"),
    ("913", "Van Nuys", "ca", "803"), ("606", "Chicago", "il", "602"),
    ("191", "Philadelphia", "pa", "504"), ("752", "Dallas", "tx", "623"),
    ("761", "Fort Worth", "tx", "623"), ("941", "San Francisco", "ca", "807"),
    ("951", "San Jose", "ca", "807"), ("946", "Oakland", "ca", "807"),
    ("770", "Houston", "tx", "618"), ("200", "Washington", "dc", "511"),
    ("021", "Boston", "ma", "506"), ("303", "Atlanta", "ga", "524"),
    ("300", "Marietta", "ga", "524"), ("850", "Phoenix", "az", "753"),
    ("336", "Tampa", "fl", "539"), ("981", "Seattle", "wa", "819"),
    ("482", "Detroit", "mi", "505"), ("554", "Minneapolis", "mn", "613"),
    ("331", "Miami", "fl", "528"), ("802", "Denver", "co", "751"),
    ("328", "Orlando", "fl", "534"), ("441", "Cleveland", "oh", "510"),
    ("958", "Sacramento", "ca", "862"), ("282", "Charlotte", "nc", "517"),
    ("972", "Portland", "or", "820"), ("276", "Raleigh", "nc", "560"),
    ("631", "St. Louis", "mo", "609"), ("462", "Indianapolis", "in", "527"),
    ("152", "Pittsburgh", "pa", "508"), ("372", "Nashville", "tn", "659"),
    ("212", "Baltimore", "md", "512"), ("841", "Salt Lake City", "ut", "770"),
    ("921", "San Diego", "ca", "825"), ("782", "San Antonio", "tx", "641"),
    ("641", "Kansas City", "mo", "616"), ("432", "Columbus", "oh", "535"),
    ("787", "Austin", "tx", "635"), ("452", "Cincinnati", "oh", "515"),
    ("532", "Milwaukee", "wi", "617"), ("891", "Las Vegas", "nv", "839"),
    ("701", "New Orleans", "la", "622"), ("381", "Memphis", "tn", "640"),
    ("968", "Honolulu", "hi", "744"), ("995", "Anchorage", "ak", "743"),
)  # fmt: skip

# United Kingdom: postcode districts (outward codes) [GUESS: Snap lists districts for gb].
# (area letters, first..last district number, post town, region code from OTHER_REGIONS["gb"])
GB_POSTCODE_AREAS: tuple[tuple[str, int, int, str, str], ...] = (
    ("E", 1, 18, "London", "eng-lon"), ("EC", 1, 4, "London", "eng-lon"),
    ("N", 1, 22, "London", "eng-lon"), ("NW", 1, 11, "London", "eng-lon"),
    ("SE", 1, 28, "London", "eng-lon"), ("SW", 1, 20, "London", "eng-lon"),
    ("W", 1, 14, "London", "eng-lon"), ("WC", 1, 2, "London", "eng-lon"),
    ("M", 1, 50, "Manchester", "eng-nw"), ("L", 1, 38, "Liverpool", "eng-nw"),
    ("B", 1, 50, "Birmingham", "eng-wm"), ("LS", 1, 29, "Leeds", "eng-yh"),
    ("S", 1, 36, "Sheffield", "eng-yh"), ("NE", 1, 30, "Newcastle upon Tyne", "eng-ne"),
    ("NG", 1, 25, "Nottingham", "eng-em"), ("CB", 1, 25, "Cambridge", "eng-ee"),
    ("BN", 1, 27, "Brighton", "eng-se"), ("BS", 1, 16, "Bristol", "eng-sw"),
    ("G", 1, 46, "Glasgow", "sct"), ("EH", 1, 17, "Edinburgh", "sct"),
    ("CF", 10, 24, "Cardiff", "wls"), ("BT", 1, 17, "Belfast", "nir"),
)  # fmt: skip

# Canada: forward sortation areas (letter digit letter) [GUESS: Snap lists FSAs for ca].
# (first letter, city, province code from OTHER_REGIONS["ca"])
CA_FSA_AREAS: tuple[tuple[str, str, str], ...] = (
    ("M", "Toronto", "on"),
    ("K", "Ottawa", "on"),
    ("H", "Montréal", "qc"),
    ("V", "Vancouver", "bc"),
    ("T", "Calgary", "ab"),
    ("R", "Winnipeg", "mb"),
)
CA_FSA_LETTERS = "ABCEGHJKLMNPRSTVWXY"[:6]

# --------------------------------------------------------------------------- demographics

# Five age groups [REC-count]; the first four are the docs' values, "35+" is [GUESS].
AGE_GROUPS: tuple[tuple[str, str], ...] = (
    ("13-17", "13-17"), ("18-20", "18-20"), ("21-24", "21-24"), ("25-34", "25-34"),
    ("35+", "35+"),
)  # fmt: skip
# Three genders [REC-count]; MALE/FEMALE are documented [DOC], the third id is [GUESS] (the
# sandbox already accepts OTHER in squads).
GENDERS: tuple[tuple[str, str], ...] = (("MALE", "Male"), ("FEMALE", "Female"), ("OTHER", "Other"))
# 21 languages [REC-count]; ids are ISO 639-1 like the recorded `"languages":["en"]` [REC AB-rec].
LANGUAGES: tuple[tuple[str, str], ...] = (
    ("ar", "Arabic"), ("zh", "Chinese"), ("da", "Danish"), ("nl", "Dutch"), ("en", "English"),
    ("fi", "Finnish"), ("fr", "French"), ("de", "German"), ("he", "Hebrew"), ("hi", "Hindi"),
    ("id", "Indonesian"), ("it", "Italian"), ("ja", "Japanese"), ("ko", "Korean"),
    ("nb", "Norwegian"), ("pl", "Polish"), ("pt", "Portuguese"), ("ru", "Russian"),
    ("es", "Spanish"), ("sv", "Swedish"), ("tr", "Turkish"),
)  # fmt: skip

# Advanced demographics: (id, parent id or None for the top level, name) [GUESS ids; names are
# the categories Ads Manager shows].
ADVANCED_DEMOGRAPHICS: tuple[tuple[str, str | None, str], ...] = (
    ("ADV_1", None, "Household Income"),
    ("ADV_2", "ADV_1", "Under $50,000"),
    ("ADV_3", "ADV_1", "$50,000 - $74,999"),
    ("ADV_4", "ADV_1", "$75,000 - $99,999"),
    ("ADV_5", "ADV_1", "$100,000 - $149,999"),
    ("ADV_6", "ADV_1", "$150,000 and above"),
    ("ADV_10", None, "Education"),
    ("ADV_11", "ADV_10", "High School"),
    ("ADV_12", "ADV_10", "Some College"),
    ("ADV_13", "ADV_10", "Bachelor's Degree"),
    ("ADV_14", "ADV_10", "Graduate Degree"),
    ("ADV_20", None, "Parental Status"),
    ("ADV_21", "ADV_20", "Parents"),
    ("ADV_22", "ADV_20", "Parents of Young Children (0-5)"),
    ("ADV_23", "ADV_20", "Parents of Children (6-12)"),
    ("ADV_24", "ADV_20", "Parents of Teens (13-17)"),
    ("ADV_25", "ADV_20", "Expecting Parents"),
    ("ADV_30", None, "Marital Status"),
    ("ADV_31", "ADV_30", "Single"),
    ("ADV_32", "ADV_30", "Married"),
    ("ADV_33", "ADV_30", "Newlyweds"),
    ("ADV_34", "ADV_30", "Engaged"),
    ("ADV_40", None, "Home Ownership"),
    ("ADV_41", "ADV_40", "Homeowners"),
    ("ADV_42", "ADV_40", "Renters"),
    ("ADV_43", "ADV_40", "New Movers"),
    ("ADV_50", None, "Occupation"),
    ("ADV_51", "ADV_50", "Students"),
    ("ADV_52", "ADV_50", "Business Decision Makers"),
    ("ADV_53", "ADV_50", "IT Decision Makers"),
    ("ADV_54", "ADV_50", "Small Business Owners"),
    ("ADV_55", "ADV_50", "Healthcare Professionals"),
    ("ADV_60", None, "Life Events"),
    ("ADV_61", "ADV_60", "Recent Graduates"),
    ("ADV_62", "ADV_60", "Recently Moved"),
    ("ADV_63", "ADV_60", "Upcoming Birthday"),
)

# --------------------------------------------------------------------------- devices

CONNECTION_TYPES: tuple[tuple[str, str], ...] = (("WIFI", "Wi-Fi"), ("CELL", "Cellular"))
OS_TYPES: tuple[tuple[str, str], ...] = (("iOS", "iOS"), ("ANDROID", "Android"))
# Versions per OS; id and name are the version string [GUESS: GH's OSVersionRoot is {id,name}].
OS_VERSIONS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "iOS": tuple(
            f"{major}.{minor}"
            for major, minors in (
                (10, 3), (11, 4), (12, 5), (13, 7), (14, 8), (15, 8), (16, 7), (17, 7), (18, 6),
            )
            for minor in range(minors + 1)
        ),
        "ANDROID": (
            "4.4", "5.0", "5.1", "6.0", "7.0", "7.1", "8.0", "8.1", "9.0", "10.0", "11.0",
            "12.0", "12.1", "13.0", "14.0", "15.0",
        ),
    }
)  # fmt: skip

# Carriers: (id, name) [GUESS ids; real carrier names].
CARRIERS: tuple[tuple[str, str], ...] = tuple(
    (str(3100 + i), name)
    for i, name in enumerate(
        (
            "Verizon Wireless", "AT&T", "T-Mobile US", "US Cellular", "Cricket Wireless",
            "Metro by T-Mobile", "Boost Mobile", "Visible", "Mint Mobile", "Google Fi",
            "EE", "Vodafone UK", "O2 UK", "Three UK", "giffgaff",
            "Rogers", "Bell", "Telus", "Freedom Mobile", "Vidéotron",
            "Telekom Deutschland", "Vodafone Germany", "O2 Germany",
            "Orange France", "SFR", "Bouygues Telecom", "Free Mobile",
            "Telstra", "Optus", "Vodafone Australia",
            "NTT Docomo", "au (KDDI)", "SoftBank",
            "Orange Polska", "Play", "Plus", "T-Mobile Polska",
            "STC", "Mobily", "Zain KSA", "Zain Kuwait", "Ooredoo Kuwait", "Etisalat (e&)", "du",
            "Telcel", "Movistar", "Vivo", "Claro",
        )
    )
)  # fmt: skip

# Device makes (marketing names); the value itself goes into `devices[].marketing_name` [GUESS].
MARKETING_NAMES: tuple[str, ...] = (
    "Apple iPhone 11", "Apple iPhone 12", "Apple iPhone 13", "Apple iPhone 14",
    "Apple iPhone 14 Pro", "Apple iPhone 15", "Apple iPhone 15 Pro", "Apple iPhone 15 Pro Max",
    "Apple iPhone 16", "Apple iPhone 16 Pro", "Apple iPhone SE", "Apple iPad",
    "Samsung Galaxy S21", "Samsung Galaxy S22", "Samsung Galaxy S23", "Samsung Galaxy S23 Ultra",
    "Samsung Galaxy S24", "Samsung Galaxy S24 Ultra", "Samsung Galaxy A14", "Samsung Galaxy A15",
    "Samsung Galaxy A54", "Samsung Galaxy Z Flip5", "Samsung Galaxy Z Fold5",
    "Google Pixel 7", "Google Pixel 7a", "Google Pixel 8", "Google Pixel 8 Pro", "Google Pixel 9",
    "Motorola moto g power", "Motorola moto g stylus", "Motorola razr",
    "OnePlus 11", "OnePlus 12", "OnePlus Nord N30",
    "Xiaomi Redmi Note 12", "Xiaomi Redmi Note 13", "Xiaomi 13T",
    "OPPO A78", "OPPO Reno10", "vivo Y36", "Huawei P30 Lite", "Huawei nova 9",
    "Sony Xperia 10 V", "Nothing Phone (2)",
)  # fmt: skip

# --------------------------------------------------------------------------- interests

# Snap Lifestyle Categories: (number, parent number, name); SLC_0 is the root (not an item).
# The 124 rows of the 2019 dump [CODE OQ8 f797ded], in id order:
SLC_DUMP: tuple[tuple[int, int, str], ...] = (
    (1, 0, "Adventure Seekers"),
    (2, 0, "Arts & Culture Mavens"),
    (3, 0, "Automotive Enthusiasts"),
    (4, 0, "Beachgoers & Surfers"),
    (5, 0, "Beauty Mavens"),
    (6, 0, "Bookworms & Avid Readers"),
    (7, 0, "Clubbers & Party People"),
    (8, 0, "Collegiates"),
    (9, 0, "Comics & Animation Fans"),
    (10, 0, "Do-It-Yourselfers"),
    (11, 0, "Fashion & Style Gurus"),
    (12, 0, "Film & TV Fans"),
    (13, 12, "Action & Thriller Genre Fans"),
    (14, 12, "Comedy Fans"),
    (15, 12, "Cordcutters"),
    (16, 12, "Drama Genre Fans"),
    (17, 12, "Family Genre Fans"),
    (18, 12, "Horror Genre Fans"),
    (19, 12, "Movie Theater Goers"),
    (20, 12, "Reality TV Fans"),
    (21, 12, "Romance & Rom-Com Fans"),
    (22, 12, "Sci-fi & Fantasy Fans"),
    (23, 12, "Superhero Film Fans"),
    (24, 0, "Fitness Enthusiasts"),
    (25, 24, "Cycling Enthusiasts"),
    (26, 24, "Running Enthusiasts"),
    (27, 24, "Yoga Enthusiasts"),
    (28, 0, "Foodies"),
    (29, 28, "Candy & Sweets Lovers"),
    (30, 28, "Cooking Enthusiasts"),
    (31, 28, "Fast Food Junkies"),
    (32, 28, "Vegans & Organic Foodies"),
    (33, 0, "Gamers"),
    (34, 33, "Casual & Mobile Gamers"),
    (35, 33, "Console & PC Gamers"),
    (36, 0, "Green Living Enthusiasts"),
    (37, 0, "Hipsters & Trendsetters"),
    (38, 0, "Home Decoristas"),
    (39, 0, "Investors & Entrepreneurs"),
    (40, 0, "Math & Science Enthusiasts"),
    (41, 0, "Men's Lifestyle"),
    (42, 41, "Sharp-Dressed Men"),
    (43, 0, "Music Fans"),
    (44, 43, "Concert & Festival Goers"),
    (45, 43, "Country Music Fans"),
    (46, 43, "Dance & Electronic Music Fans"),
    (47, 43, "Indie & Alternative Music Fans"),
    (48, 43, "Pop Music Fans"),
    (49, 43, "Punk & Metal Fans"),
    (50, 43, "Rock Music Fans"),
    (51, 43, "Urban & Hip-Hop Music Fans"),
    (52, 0, "News Watchers"),
    (53, 52, "Business News Watchers"),
    (54, 52, "Celebrity News Watchers"),
    (55, 52, "Political News Watchers"),
    (56, 0, "Outdoor & Nature Enthusiasts"),
    (57, 0, "Parents & Family-Focused"),
    (58, 0, "Pet & Animal Lovers"),
    (59, 0, "Philanthropists"),
    (60, 0, "Photographers"),
    (61, 0, "Shoppers"),
    (62, 61, "Big Box Shoppers"),
    (63, 61, "Department Store Shoppers"),
    (64, 61, "Luxury Shoppers"),
    (65, 61, "Online Shoppers"),
    (66, 61, "Toy Shoppers"),
    (67, 0, "Sports Fans"),
    (68, 67, "College Basketball Fans"),
    (69, 67, "American Football Fans"),
    (70, 67, "Baseball Fans"),
    (71, 67, "Basketball Fans"),
    (72, 67, "College Football Fans"),
    (73, 67, "Fight & Wrestling Fans"),
    (74, 67, "Golfers"),
    (75, 67, "Hockey Fans"),
    (76, 67, "Motor Sports Fans"),
    (77, 67, "Olympics Enthusiasts"),
    (78, 67, "Snow Sport Enthusiasts"),
    (79, 67, "Soccer Enthusiasts"),
    (80, 67, "Street Sport Enthusiasts"),
    (81, 67, "Tennis & Racquet Enthusiasts"),
    (82, 67, "Water Sport Enthusiasts"),
    (83, 0, "Techies & Gadget Fans"),
    (84, 0, "Travel Enthusiasts"),
    (85, 84, "Business Travelers"),
    (86, 84, "Family Travelers"),
    (87, 84, "Frequent Travelers"),
    (88, 0, "Women's Lifestyle"),
    (89, 61, "Automotive Shoppers"),
    (90, 0, "High Schoolers"),
    (91, 0, "Wellness & Healthy Lifestyle"),
    (94, 43, "Latin Music Fans"),
    (95, 43, "Soul & R&B Fans"),
    (96, 43, "World Music Fans"),
    (97, 67, "Cricket Fans"),
    (98, 12, "Crime & Mystery Genre Fans"),
    (99, 12, "Indie & Foreign Film Fans"),
    (100, 12, "Talent & Competition Show Fans"),
    (101, 12, "Talk Show Fans"),
    (102, 12, "Teen & Young Adult Genre Fans"),
    (103, 28, "Burger Lovers"),
    (104, 28, "Coffee Lovers"),
    (105, 28, "Pizza Lovers"),
    (106, 61, "Shopping Mall Shoppers"),
    (107, 84, "Casino Visitors"),
    (108, 84, "Theme Park Visitors"),
    (109, 0, "Sneakerheads"),
    (110, 28, "Energy Drink Consumers"),
    (111, 28, "Soft Drink Consumers"),
    (113, 0, "Social Drinkers"),
    (114, 113, "Beer Drinkers"),
    (115, 113, "Wine Enthusiasts"),
    (116, 113, "Liquor & Spirits Drinkers"),
    (121, 0, "Fun Trivia & Quiz Fanatics"),
    (122, 0, "Meme Watchers"),
    (123, 0, "Chat Fiction Enthusiasts"),
    (124, 0, "Advocates & Activists"),
    (126, 0, "New Phone Seekers"),
    (150, 33, "eSports Enthusiasts"),
    (180, 84, "Worldly Travelers"),
    (181, 84, "Frequent International Travelers"),
    (182, 84, "Frequent Domestic Travelers"),
    (183, 84, "Frequent Fliers"),
    (184, 84, "Frequent Hotel Guests"),
)
# Ids the seeded ad squads target that the dump lacks: SLC_229 is real (a 2024 squad targets
# it [REC AB-rec]); all four names and parents are [GUESS]. seed.py's AUDIENCES use these names.
SLC_EXTRA: tuple[tuple[int, int, str], ...] = (
    (92, 84, "Budget Travelers"),
    (112, 24, "Gym & Workout Enthusiasts"),
    (164, 56, "Hikers & Campers"),
    (229, 5, "Skincare Enthusiasts"),
)
# One item served with camelCase `parentId` and `hasChild: 0` (some dumped rows look like that;
# the raw casing is an open question, §1.2 / §7 item 2).
SLC_CAMEL_CASE = 105

# Oracle Datalogix and Nielsen audiences: (id, parent id or None, name) [GUESS ids; the kinds of
# segments those providers sell]. dlxc items have no parent_id [§1.2 CODE Singer].
DLXS: tuple[tuple[str, str | None, str], ...] = (
    ("DLXS_1", "DLXS_0", "Auto"),
    ("DLXS_2", "DLXS_1", "New Vehicle Intenders"),
    ("DLXS_3", "DLXS_1", "Used Vehicle Intenders"),
    ("DLXS_4", "DLXS_1", "SUV Buyers"),
    ("DLXS_10", "DLXS_0", "Retail"),
    ("DLXS_11", "DLXS_10", "Big Box Shoppers"),
    ("DLXS_12", "DLXS_10", "Department Store Shoppers"),
    ("DLXS_13", "DLXS_10", "Discount Store Shoppers"),
    ("DLXS_14", "DLXS_10", "Online Buyers"),
    ("DLXS_20", "DLXS_0", "Restaurants"),
    ("DLXS_21", "DLXS_20", "Quick Service Diners"),
    ("DLXS_22", "DLXS_20", "Casual Dining Diners"),
    ("DLXS_23", "DLXS_20", "Coffee Shop Buyers"),
    ("DLXS_30", "DLXS_0", "Travel"),
    ("DLXS_31", "DLXS_30", "Cruise Buyers"),
    ("DLXS_32", "DLXS_30", "Hotel Stayers"),
    ("DLXS_33", "DLXS_30", "Airline Flyers"),
    ("DLXS_40", "DLXS_0", "Financial"),
    ("DLXS_41", "DLXS_40", "Credit Card Holders"),
    ("DLXS_42", "DLXS_40", "Mortgage Intenders"),
)
DLXC: tuple[tuple[str, str | None, str], ...] = (
    ("DLXC_1", None, "Beauty & Personal Care Buyers"),
    ("DLXC_2", None, "Beverage Buyers"),
    ("DLXC_3", None, "Breakfast Cereal Buyers"),
    ("DLXC_4", None, "Candy Buyers"),
    ("DLXC_5", None, "Energy Drink Buyers"),
    ("DLXC_6", None, "Frozen Food Buyers"),
    ("DLXC_7", None, "Hair Care Buyers"),
    ("DLXC_8", None, "Pet Food Buyers"),
    ("DLXC_9", None, "Salty Snack Buyers"),
    ("DLXC_10", None, "Soft Drink Buyers"),
    ("DLXC_11", None, "Sports Drink Buyers"),
    ("DLXC_12", None, "Yogurt Buyers"),
)
NLN: tuple[tuple[str, str | None, str], ...] = (
    ("NLN_1", "NLN_0", "TV Genres"),
    ("NLN_2", "NLN_1", "Comedy Viewers"),
    ("NLN_3", "NLN_1", "Drama Viewers"),
    ("NLN_4", "NLN_1", "Reality Viewers"),
    ("NLN_5", "NLN_1", "Sports Viewers"),
    ("NLN_6", "NLN_1", "News Viewers"),
    ("NLN_7", "NLN_1", "Animation Viewers"),
    ("NLN_10", "NLN_0", "TV Networks"),
    ("NLN_11", "NLN_10", "Broadcast Network Viewers"),
    ("NLN_12", "NLN_10", "Cable Network Viewers"),
    ("NLN_13", "NLN_10", "Streaming Viewers"),
    ("NLN_20", "NLN_0", "Dayparts"),
    ("NLN_21", "NLN_20", "Prime Time Viewers"),
    ("NLN_22", "NLN_20", "Late Night Viewers"),
    ("NLN_23", "NLN_20", "Daytime Viewers"),
)
# Legacy sources that answer with no data [CODE Singer tests/base.py "no data available"].
DLXP: tuple[tuple[str, str | None, str], ...] = ()
PLC: tuple[tuple[str, str | None, str], ...] = ()
# Location categories (LOI) for `locations[].location_type` [GUESS ids].
CATEGORIES_LOI: tuple[tuple[str, str | None, str], ...] = (
    ("LOI_1", "LOI_0", "Travel"),
    ("LOI_2", "LOI_1", "Airports"),
    ("LOI_3", "LOI_1", "Hotels"),
    ("LOI_4", "LOI_1", "Train Stations"),
    ("LOI_10", "LOI_0", "Food & Drink"),
    ("LOI_11", "LOI_10", "Coffee Shops"),
    ("LOI_12", "LOI_10", "Fast Food Restaurants"),
    ("LOI_13", "LOI_10", "Bars & Pubs"),
    ("LOI_20", "LOI_0", "Shopping"),
    ("LOI_21", "LOI_20", "Shopping Malls"),
    ("LOI_22", "LOI_20", "Grocery Stores"),
    ("LOI_23", "LOI_20", "Department Stores"),
    ("LOI_30", "LOI_0", "Leisure"),
    ("LOI_31", "LOI_30", "Gyms & Fitness Centers"),
    ("LOI_32", "LOI_30", "Stadiums & Arenas"),
    ("LOI_33", "LOI_30", "Movie Theaters"),
    ("LOI_34", "LOI_30", "Theme Parks"),
    ("LOI_40", "LOI_0", "Education"),
    ("LOI_41", "LOI_40", "Universities & Colleges"),
    ("LOI_42", "LOI_40", "High Schools"),
)
# The newer `/targeting/v1/interests/{shp,vac}` lists [CODE-weak CES]: shoppers and visitors.
SHP: tuple[tuple[str, str | None, str], ...] = (
    ("SHP_1", "SHP_0", "Apparel Shoppers"),
    ("SHP_2", "SHP_0", "Beauty Shoppers"),
    ("SHP_3", "SHP_0", "Electronics Shoppers"),
    ("SHP_4", "SHP_0", "Home Goods Shoppers"),
    ("SHP_5", "SHP_0", "Sporting Goods Shoppers"),
    ("SHP_6", "SHP_0", "Toy Shoppers"),
)
VAC: tuple[tuple[str, str | None, str], ...] = (
    ("VAC_1", "VAC_0", "Coffee Shop Visitors"),
    ("VAC_2", "VAC_0", "Gym Visitors"),
    ("VAC_3", "VAC_0", "Movie Theater Visitors"),
    ("VAC_4", "VAC_0", "Shopping Mall Visitors"),
    ("VAC_5", "VAC_0", "Theme Park Visitors"),
    ("VAC_6", "VAC_0", "Airport Visitors"),
)

# --------------------------------------------------------------------------- built items

COUNTRY_ALIASES: Mapping[str, str] = MappingProxyType({"uk": "gb"})  # [DOC example 4 uses "uk"]

COUNTRIES: Mapping[str, tuple[str, str, str, str, str, int]] = MappingProxyType(
    {row[0]: row for row in COUNTRY_ROWS}
)


def country_code(code: object) -> str | None:
    """The catalogue's code for a country as given in a path or a spec (case and "uk" folded)."""
    if not isinstance(code, str):
        return None
    folded = code.strip().lower()
    folded = COUNTRY_ALIASES.get(folded, folded)
    return folded if folded in COUNTRIES else None


def _continent(cc: str) -> JsonObj:
    ident, name = CONTINENTS[COUNTRIES[cc][4]]
    return {"id": ident, "name": name}


def _country(cc: str) -> JsonObj:
    iso2, iso3, name, ident, _, _ = COUNTRIES[cc]
    return {"id": ident, "name": name, "code": iso2, "code2": iso3}


def _regions(cc: str) -> list[tuple[str, str, str]]:
    """(id, code, name) of a country's regions."""
    if cc == "us":
        return [(str(i), code, name) for i, (code, name) in enumerate(US_STATES, start=1)]
    base = REGION_ID_BASE.get(cc)
    rows = OTHER_REGIONS.get(cc, ())
    return [(str(base + i), code, name) for i, (code, name) in enumerate(rows)] if base else []


def _interest(ident: str, parent: str | None, name: str, path: str, source: str) -> JsonObj:
    item: JsonObj = {"id": ident, "name": name, "path": path, "source": source}
    if parent is not None:
        item["parent_id"] = parent
    return item


def _tree(rows: tuple[tuple[str, str | None, str], ...], source: str) -> list[JsonObj]:
    names = {ident: name for ident, _, name in rows}
    parents = {ident: parent for ident, parent, _ in rows}

    def path(ident: str) -> str:
        parent = parents.get(ident)
        prefix = path(parent) if parent in names and parent is not None else ""
        return f"{prefix}/{names[ident]}"

    return [_interest(i, p, n, path(i), source) for i, p, n in rows]


def _slc_items() -> list[JsonObj]:
    rows = sorted(SLC_DUMP + SLC_EXTRA, key=lambda r: str(r[0]))  # the dump's (string) order
    tree = _tree(tuple((f"SLC_{n}", f"SLC_{p}", name) for n, p, name in rows), "SNAPCHAT")
    for item in tree:
        if item["id"] == f"SLC_{SLC_CAMEL_CASE}":
            item["parentId"] = item.pop("parent_id")
            item["hasChild"] = 0
    return tree


def _postal_items(cc: str) -> list[JsonObj]:
    """Postal-code items: `postalCode` (camelCase, as raw) plus region, metro and city."""
    country, continent = _country(cc), _continent(cc)
    regions = {code: (ident, code, name) for ident, code, name in _regions(cc)}
    out: list[JsonObj] = []

    def add(code: str, city: str, region: str, metro: tuple[str, str] | None = None) -> None:
        ident, rcode, rname = regions[region]
        item: JsonObj = {
            "postalCode": code,
            "continent": continent,
            "country": country,
            "region": {"id": ident, "code": rcode, "name": rname},
            "city": city,
        }
        if metro is not None:
            item["metro"] = {"id": metro[0], "name": metro[1]}
        out.append(item)

    if cc == "us":
        metros = {code: name for code, name, _ in US_METROS}
        for prefix, city, state, dma in US_ZIP_AREAS:
            for n in range(1, US_ZIPS_PER_PREFIX + 1):
                add(f"{prefix}{n:02d}", city, state, (dma, metros[dma]))
    elif cc == "gb":
        for area, first, last, town, region in GB_POSTCODE_AREAS:
            for n in range(first, last + 1):
                add(f"{area}{n}", town, region)
    elif cc == "ca":
        for letter, city, province in CA_FSA_AREAS:
            for digit in range(1, 10):
                for tail in CA_FSA_LETTERS:
                    add(f"{letter}{digit}{tail}", city, province)
    out.sort(key=lambda item: str(item["postalCode"]))
    return out


_CACHE: dict[tuple[str, str], list[JsonObj]] = {}

# Dimensions whose list is per country (the lowercase code is in the path) [§1.1].
GEO_SCOPED = ("region", "metro", "postal_code")
# Interest sources whose ids go into `interests[].category_id`.
INTEREST_SOURCES = ("scls", "dlxs", "dlxc", "dlxp", "nln", "plc", "shp", "vac")


def items(dimension: str, cc: str = "") -> list[JsonObj]:
    """The catalogue items (unwrapped) of a dimension; `cc` (a known country) for geo lists."""
    key = (dimension, cc)
    cached = _CACHE.get(key)
    if cached is None:
        cached = _build(dimension, cc)
        _CACHE[key] = cached
    return cached


def _pairs(rows: tuple[tuple[str, str], ...]) -> list[JsonObj]:
    return [{"id": ident, "name": name} for ident, name in rows]


def _build(dimension: str, cc: str) -> list[JsonObj]:
    if dimension == "country":
        return [
            {"continent": _continent(c), "country": _country(c)}
            for c in sorted(COUNTRIES, key=lambda c: COUNTRIES[c][2])
        ]
    if dimension == "region":
        return [
            {
                "continent": _continent(cc),
                "country": _country(cc),
                "region": {"id": ident, "code": code, "name": name},
            }
            for ident, code, name in _regions(cc)
        ]
    if dimension == "metro":
        rows = US_METROS if cc == "us" else ()
        return [
            {
                "continent": _continent(cc),
                "country": _country(cc),
                "metro": {"id": ident, "name": name, "regions": regions},
            }
            for ident, name, regions in rows
        ]
    if dimension == "postal_code":
        return _postal_items(cc)
    if dimension == "os_version":
        return [{"id": v, "name": v} for v in OS_VERSIONS.get(cc, ())]
    simple = {
        "age_group": AGE_GROUPS,
        "gender": GENDERS,
        "languages": LANGUAGES,
        "connection_type": CONNECTION_TYPES,
        "os_type": OS_TYPES,
        "carrier": CARRIERS,
    }
    if dimension in simple:
        return _pairs(simple[dimension])
    if dimension == "marketing_name":
        return [{"id": name, "name": name} for name in MARKETING_NAMES]
    if dimension == "scls":
        return _slc_items()
    trees: dict[str, tuple[tuple[tuple[str, str | None, str], ...], str]] = {
        "advanced_demographics": (ADVANCED_DEMOGRAPHICS, "SNAPCHAT"),
        "dlxs": (DLXS, "ORACLE_DATALOGIX"),
        "dlxc": (DLXC, "ORACLE_DATALOGIX"),
        "dlxp": (DLXP, "ORACLE_DATALOGIX"),
        "nln": (NLN, "NIELSEN"),
        "plc": (PLC, "PLACED"),
        "categories_loi": (CATEGORIES_LOI, "SNAPCHAT"),
        "shp": (SHP, "SNAPCHAT"),
        "vac": (VAC, "SNAPCHAT"),
    }
    if dimension in trees:
        tree_rows, source = trees[dimension]
        return _tree(tree_rows, source)
    raise KeyError(dimension)


def ids(dimension: str, cc: str = "") -> frozenset[str]:
    """The ids of a catalogue (postal codes by their code)."""
    key = ("#ids:" + dimension, cc)
    cached = _CACHE.get(key)
    if cached is None:
        found = set()
        for item in items(dimension, cc):
            inner = item.get(dimension) if dimension in ("region", "metro") else item
            if isinstance(inner, dict):
                found.add(str(inner.get("id") or inner.get("postalCode")))
        cached = [{"ids": frozenset(found)}]
        _CACHE[key] = cached
    result: frozenset[str] = cached[0]["ids"]
    return result


def interest_ids() -> frozenset[str]:
    """Every category id of every interest source (what `interests[].category_id` may name)."""
    out: set[str] = set()
    for source in INTEREST_SOURCES:
        out |= ids(source)
    return frozenset(out)
