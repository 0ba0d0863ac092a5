; Inno Setup script for Continuo's Windows installer (Inno Setup 6.3 or later).
;
; installers/build.py runs it after PyInstaller, as
;   iscc /DAppVersion=0.1.0 /DSourceDir=dist\continuo /DOutputDir=dist /DSetupIcon=continuo.ico continuo.iss
; The installer copies the PyInstaller folder to Program Files (or the user's own programs
; folder when installing without admin rights), adds a Start menu entry (and, if asked, a desktop
; icon), opens .continuo projects with Continuo (and offers it in "Open with" for .mid files),
; and registers a normal uninstaller.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\continuo"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist"
#endif

[Setup]
AppId={{0D3C5353-5FAB-4605-9709-6DA4706DBE14}
AppName=Continuo
AppVersion={#AppVersion}
AppVerName=Continuo {#AppVersion}
AppPublisher=The Continuo authors
DefaultDirName={autopf}\Continuo
DefaultGroupName=Continuo
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#OutputDir}
OutputBaseFilename=continuo-{#AppVersion}-setup
#ifdef SetupIcon
SetupIconFile={#SetupIcon}
#endif
UninstallDisplayIcon={app}\Continuo.exe
LicenseFile={#SourceDir}\_internal\LICENSE
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ChangesAssociations=yes

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\Continuo"; Filename: "{app}\Continuo.exe"
Name: "{group}\Uninstall Continuo"; Filename: "{uninstallexe}"
Name: "{autodesktop}\Continuo"; Filename: "{app}\Continuo.exe"; Tasks: desktopicon

[Registry]
; `Continuo.exe FILE` opens the window with that file.
Root: HKA; Subkey: "Software\Classes\.continuo"; ValueType: string; ValueName: ""; ValueData: "Continuo.Project"; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\Continuo.Project"; ValueType: string; ValueName: ""; ValueData: "Continuo project"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\Continuo.Project\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\Continuo.exe,0"
Root: HKA; Subkey: "Software\Classes\Continuo.Project\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\Continuo.exe"" ""%1"""
Root: HKA; Subkey: "Software\Classes\.mid\OpenWithProgids"; ValueType: string; ValueName: "Continuo.Project"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.midi\OpenWithProgids"; ValueType: string; ValueName: "Continuo.Project"; ValueData: ""; Flags: uninsdeletevalue

[Run]
Filename: "{app}\Continuo.exe"; Description: "{cm:LaunchProgram,Continuo}"; Flags: nowait postinstall skipifsilent
