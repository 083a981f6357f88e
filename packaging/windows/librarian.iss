; Inno Setup script for Librarian on Windows (https://jrsoftware.org/isinfo.php).
; Built by `python packaging\build.py`, which runs, after PyInstaller:
;   iscc /DAppVersion=0.1.0 /DDist=<repo>\dist /O<repo>\dist packaging\windows\librarian.iss
; Installs per user by default (no administrator rights; the dialog offers all users), adds a
; Start menu entry and "Open with Librarian" for PDF, text and Markdown files. Uninstalling
; removes the program only: the library in %LOCALAPPDATA%\Librarian stays.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifndef Dist
  #define Dist "..\..\dist"
#endif

[Setup]
AppId={{6F1C3E2A-9B7D-4E55-A0C4-4C1B2D9E7A11}
AppName=Librarian
AppVersion={#AppVersion}
AppPublisher=Librarian developers
DefaultDirName={autopf}\Librarian
DefaultGroupName=Librarian
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputBaseFilename=Librarian-{#AppVersion}-setup
SetupIconFile=..\..\assets\icons\librarian.ico
UninstallDisplayIcon={app}\librarian.exe
Compression=lzma2/fast
SolidCompression=no
ChangesAssociations=yes
WizardStyle=modern

[Files]
Source: "{#Dist}\librarian\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\Librarian"; Filename: "{app}\librarian.exe"
Name: "{autodesktop}\Librarian"; Filename: "{app}\librarian.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "Create a desktop shortcut"; Flags: unchecked

[Registry]
; "Open with" for the formats Librarian indexes; the user's default PDF viewer is left alone.
Root: HKA; Subkey: "Software\Classes\Applications\librarian.exe"; ValueType: string; ValueName: "FriendlyAppName"; ValueData: "Librarian"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\Applications\librarian.exe\shell\open\command"; ValueType: string; ValueData: """{app}\librarian.exe"" ""%1"""
Root: HKA; Subkey: "Software\Classes\Applications\librarian.exe\SupportedTypes"; ValueType: string; ValueName: ".pdf"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\librarian.exe\SupportedTypes"; ValueType: string; ValueName: ".txt"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\librarian.exe\SupportedTypes"; ValueType: string; ValueName: ".md"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\librarian.exe\SupportedTypes"; ValueType: string; ValueName: ".png"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\librarian.exe\SupportedTypes"; ValueType: string; ValueName: ".jpg"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\librarian.exe\SupportedTypes"; ValueType: string; ValueName: ".jpeg"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\librarian.exe\SupportedTypes"; ValueType: string; ValueName: ".tif"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\librarian.exe\SupportedTypes"; ValueType: string; ValueName: ".tiff"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\.pdf\OpenWithList\librarian.exe"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\.txt\OpenWithList\librarian.exe"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\.md\OpenWithList\librarian.exe"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\.png\OpenWithList\librarian.exe"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\.jpg\OpenWithList\librarian.exe"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\.jpeg\OpenWithList\librarian.exe"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\.tif\OpenWithList\librarian.exe"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\.tiff\OpenWithList\librarian.exe"; Flags: uninsdeletekey

[Run]
Filename: "{app}\librarian.exe"; Description: "Start Librarian"; Flags: nowait postinstall skipifsilent
